/**
 * The text-to-speech port: a prompt as telephone audio. In Media Streams mode the voice channel plays prompts
 * itself over the socket, so it can stop them the moment the caller talks (barge-in, Twilio's `clear`).
 */

export interface SynthesisRequest {
  /** Plain, speech-safe text; or `ssml` when the voice reads SSML. */
  text?: string;
  ssml?: string;
  /** BCP-47 code such as `fi-FI`. */
  languageCode: string;
  /** Provider voice name, e.g. `fi-FI-Wavenet-A`; unset = the provider's default for the language. */
  voice?: string;
}

export interface TextToSpeech {
  /** Raw 8 kHz μ-law bytes without any header, ready for Twilio media frames. */
  synthesize(request: SynthesisRequest): Promise<Buffer>;
  close(): Promise<void>;
}
