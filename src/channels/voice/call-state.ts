import type { ReplyListen } from '../../core/reply';
import type { Locale } from '../../core/turn';

/** One keypad option of the DTMF fallback menu. */
export interface MenuOption {
  digit: string;
  payload: string;
  label: string;
}

/** How a call ended, as recorded from Twilio's status callback. */
/** `ticket_no_number`: nobody could take the call and the caller's number was withheld, so no callback is promised. */
export type CallOutcome = 'callback_ticket' | 'ticket_no_number' | 'completed' | 'caller_hung_up' | 'transferred' | 'transfer_failed' | 'no_input' | 'busy' | 'failed' | 'no_answer' | 'canceled';

/**
 * What the voice channel remembers of a live call between webhooks (the conversation itself lives in
 * the engine). Plain JSON so a shared store (Redis) can hold it when calls move between instances.
 */
export interface CallState {
  callSid: string;
  conversationId: string;
  from?: string;
  locale: Locale;
  /** Engine turns so far; `callSid:turn` is the engine's client message id, so a retried webhook is a no-op. */
  turn: number;
  /** TwiML documents served so far; action URLs carry it so a late or repeated request is recognised. */
  step: number;
  /** The TwiML answered for `step`, returned again when Twilio retries the same request. */
  lastTwiml?: string;
  /** Silences in a row. */
  noInputs: number;
  /** The last question(s) spoken, repeated on a reprompt. */
  lastPrompt: string[];
  listen?: ReplyListen;
  /** Phrase hints of the question now open; the Media Streams recogniser gets them. */
  hints?: string[];
  menu: MenuOption[];
  /** The caller was offered to continue a recent matter from another channel; waiting for yes/no. */
  pendingContinue?: { intent: string; slots: Record<string, string | number | boolean | null> };
  /** Stream mode with text-to-speech: what the next socket of this step plays before listening (barge-in possible). */
  prompt?: { step: number; spoken: Array<{ say: string; key?: string; bargeIn?: false }> };
  /** Prompts the caller interrupted (stream mode). */
  bargeIns?: number;
  /** A low-confidence transcript waiting for the caller's yes/no. */
  pendingConfirm?: { text: string; confidence: number };
  phase: 'bot' | 'transferring' | 'ended';
  ticketId?: string;
  /** The last thing the caller said (for the agent's one-line summary). */
  lastHeard?: string;
  /** One line for the agent's whisper. */
  summary?: string;
  outcome?: CallOutcome;
  startedAt: number;
  updatedAt: number;
}

/** Where call states live. The memory store is enough for one instance; calls are short. */
export interface CallStateStore {
  get(callSid: string): Promise<CallState | undefined>;
  set(state: CallState): Promise<void>;
  delete(callSid: string): Promise<void>;
}

/** In-process store; keeps at most `maxCalls` (oldest dropped) so abandoned calls cannot grow memory. */
export function createMemoryCallStateStore(maxCalls = 10_000): CallStateStore {
  const calls = new Map<string, string>();
  return {
    async get(callSid) {
      const json = calls.get(callSid);
      return json ? (JSON.parse(json) as CallState) : undefined;
    },
    async set(state) {
      calls.delete(state.callSid); // re-insert so Map order is least recently written first
      calls.set(state.callSid, JSON.stringify(state));
      while (calls.size > maxCalls) {
        const oldest = calls.keys().next().value;
        if (oldest === undefined) break;
        calls.delete(oldest);
      }
    },
    async delete(callSid) {
      calls.delete(callSid);
    },
  };
}
