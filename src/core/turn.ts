/** Channels that can carry a conversation. */
export type ChannelKind = 'web' | 'api' | 'voice' | 'botframework' | 'cli' | 'test';

/** The languages the product ships with; a deployment may enable a subset. */
export type Locale = 'fi' | 'en' | 'sv';
export const SUPPORTED_LOCALES: readonly Locale[] = ['fi', 'en', 'sv'];

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (SUPPORTED_LOCALES as readonly string[]).includes(value);
}

/** Hints a channel knows about who the customer is; used for cross-channel recognition. */
export interface CustomerHints {
  phone?: string;
  email?: string;
  webUserId?: string;
  name?: string;
}

/**
 * What the customer did in one turn. Exactly one of the input kinds is set;
 * `start` opens a conversation (the bot greets first).
 */
export type TurnInput =
  | { kind: 'start' }
  | { kind: 'text'; text: string; sttConfidence?: number }
  | { kind: 'payload'; payload: string; text?: string }
  | { kind: 'dtmf'; digits: string }
  | { kind: 'no_input' };

/** One inbound event, channel-neutral and immutable. */
export interface Turn {
  conversationId: string;
  channel: ChannelKind;
  input: TurnInput;
  /** A client message id; a repeated id gets the stored replies again and is not processed twice. */
  clientMessageId?: string;
  customer?: CustomerHints;
  /** The locale the client asks for; switches the conversation's language when set. */
  locale?: Locale;
  /** Milliseconds since the epoch; the engine's clock is used when absent. */
  timestamp?: number;
  /**
   * Channels whose clients hold the conversation's secret (the JSON API) pass it here: an existing
   * conversation then answers only to its own token (checked inside the turn, under the lock).
   */
  accessToken?: string | null;
  /**
   * The conversation must exist already (the web chat's HTTP messages: the server makes its ids): an unknown or
   * expired one is refused like a wrong token instead of being created. Lets a channel authorize inside the turn,
   * on the record the turn loads anyway, instead of reading the record once more before it.
   */
  existingOnly?: boolean;
}
