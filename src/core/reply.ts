import type { Locale } from './turn';

/** A button the customer can press; `payload` comes back as a `payload` turn. */
export interface QuickReply {
  label: string;
  payload: string;
}

export interface LinkCard {
  title: string;
  url: string;
}

/** One bot (or agent) message, channel-neutral. Renderers pick `voice` over `text` on the phone. */
export interface ReplyMessage {
  kind: 'message';
  text: string;
  /** Spoken variant (plain text, not SSML); renderers make it speech-safe. */
  voice?: string;
  /** The message key in `locales/<lang>/messages.yaml` this text came from (tests assert on it). */
  key?: string;
  quickReplies?: QuickReply[];
  links?: LinkCard[];
  /** False when the flow state says it must be heard in full: a phone caller cannot interrupt it (barge-in). */
  bargeIn?: false;
  /** Who speaks: the bot, or a human agent after a takeover. */
  from?: { role: 'bot' | 'agent'; name?: string };
}

/** The conversation moves to a human: a ticket exists and voice channels transfer the call. */
export interface ReplyHandoff {
  kind: 'handoff';
  ticketId: string;
  queue: string;
  priority: Priority;
  reason: HandoffReason;
  /** True when a human takes over now (opening hours, a live handoff); false means a ticket handled later. */
  agentsAvailable: boolean;
}

export interface ReplyEnd {
  kind: 'end';
  outcome: ConversationOutcome;
}

/** The engine expects these intents/entities next: voice channels turn them into STT hints. */
export interface ReplyListen {
  kind: 'listen';
  expectedIntents: string[];
  expectedEntity?: string;
  hints: string[];
  /** Set when the state is a slot question that a keypad can answer (e.g. a DTMF menu). */
  dtmf?: { maxDigits: number };
}

export type Reply = ReplyMessage | ReplyHandoff | ReplyEnd | ReplyListen;

export type Priority = 'urgent' | 'high' | 'normal' | 'low';
export const PRIORITIES: readonly Priority[] = ['urgent', 'high', 'normal', 'low'];

export type HandoffReason =
  | 'customer_request'
  | 'emergency'
  | 'billing_dispute'
  | 'not_understood'
  | 'negative_sentiment'
  | 'callback'
  | 'sensitive'
  | 'integration_error'
  | 'flow';
export const HANDOFF_REASONS: readonly HandoffReason[] = [
  'customer_request', 'emergency', 'billing_dispute', 'not_understood', 'negative_sentiment',
  'callback', 'sensitive', 'integration_error', 'flow',
];

export type ConversationOutcome = 'resolved' | 'handoff' | 'abandoned' | 'ended';

/** The result of one turn as a channel sees it. */
export interface TurnResult {
  conversationId: string;
  replies: Reply[];
  locale: Locale;
  /** `flowId.stateId` of the state the conversation now waits in. */
  state: string;
  ended: boolean;
  ticketId?: string;
  /** True when this turn was a repeat of an already handled client message id. */
  duplicate?: boolean;
  /**
   * The transcript's length right after this turn was saved (for a repeat: now). The web widget uses it
   * to tell which messages a transcript it re-read already holds; without it the channel reads the record again.
   */
  transcriptLength?: number;
  /** Set once, on the turn that created the conversation: the secret the client must send from now on. */
  accessToken?: string;
}
