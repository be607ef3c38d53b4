import type { ChannelKind, Locale } from './turn';

/**
 * One line of a conversation's transcript, as the agent will read it. Bot lines hold the channel's rendering of the
 * message, what the customer actually got: the spoken variant on the phone, the written one elsewhere.
 */
export interface TranscriptEntry {
  at: number;
  from: 'customer' | 'bot' | 'agent' | 'system';
  text: string;
  channel?: ChannelKind;
  locale?: Locale;
  /** Customer lines: what the NLU made of it. */
  intent?: string;
  confidence?: number;
  /** Customer lines: the NLU's sentiment of it (-1 angry … 1 happy). */
  sentiment?: number;
  /** Voice: the speech-to-text confidence of this line. */
  sttConfidence?: number;
  /** Bot lines: the message key. */
  key?: string;
  /** Agent lines: who wrote it. */
  agentName?: string;
  /** The flow state the bot was in after this line (`flow.state`). */
  state?: string;
  /**
   * Bot lines the customer did not hear to the end: `barge_in` = they talked over it (the rest was dropped),
   * `not_played` = the channel never played it (a transfer, a hang-up or its own question came first).
   */
  interrupted?: 'barge_in' | 'not_played';
}
