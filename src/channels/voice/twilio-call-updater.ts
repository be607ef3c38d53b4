/**
 * The slice of the twilio REST client the voice channel uses: replacing a live call's TwiML.
 * `twilio(accountSid, authToken)` satisfies it; tests pass the real client with a local `httpClient`.
 */
export interface TwilioCallUpdater {
  calls(callSid: string): {
    update(params: { twiml?: string; url?: string; method?: string }): Promise<unknown>;
  };
}
