import type { HandoffReason, Priority } from './reply';
import type { TranscriptEntry } from './transcript';
import type { ChannelKind, Locale } from './turn';

export type SlotValue = string | number | boolean | null;
export type Slots = Record<string, SlotValue>;

export interface CustomerContact {
  name?: string;
  phone?: string;
  email?: string;
  /**
   * Where the phone or e-mail came from: `conversation` — the customer gave or confirmed it in this conversation, in
   * answer to a question asking how to reach them (so they agreed to be contacted about this matter); `channel` —
   * what the channel knows, such as the number the customer is calling from; `customer_record` — remembered from an earlier contact.
   */
  source?: 'conversation' | 'channel' | 'customer_record';
}

/** The customer's tone up to the handoff, from the NLU's sentiment of each of their lines (-1 angry … 1 happy). */
export interface TicketSentiment {
  /** `negative` when a line was clearly angry (≤ -0.5) or the last one was negative (≤ -0.25), `positive` when the last was positive (≥ 0.25) and none negative. */
  label: 'negative' | 'neutral' | 'positive';
  /** The customer's last line. */
  last: number;
  /** The most negative line. */
  lowest: number;
  average: number;
  /** How many lines were scored. */
  lines: number;
}

export type TicketStatus = 'open' | 'claimed' | 'closed';

/** A handoff to humans: everything an agent needs so the customer never repeats themselves. */
export interface Ticket {
  /** Readable and sequential, e.g. `ASPA-000123`. */
  id: string;
  conversationId: string;
  createdAt: number;
  channel: ChannelKind;
  locale: Locale;
  reason: HandoffReason;
  /** The intent (topic) the customer came for. */
  intent?: string;
  priority: Priority;
  queue: string;
  /** When the SLA says a human must have responded. */
  dueAt: number;
  contact: CustomerContact;
  /** The customer the ticket is linked to (cross-channel identity), when known. */
  customerId?: string;
  /** The customer's tone up to the handoff; absent when no line of theirs was scored. */
  sentiment?: TicketSentiment;
  summary: string;
  slots: Slots;
  transcript: TranscriptEntry[];
  /** Earlier contacts of the same customer on any channel, newest first (each with its topic, outcome and ticket id). */
  history: ContactRecord[];
  status: TicketStatus;
  agent?: string;
  resolution?: string;
  closedAt?: number;
}

/** One earlier conversation of a customer, as remembered across channels. */
export interface ContactRecord {
  conversationId: string;
  channel: ChannelKind;
  at: number;
  intent?: string;
  outcome?: string;
  ticketId?: string;
  summary?: string;
  slots?: Slots;
}

export interface Customer {
  id: string;
  name?: string;
  phones: string[];
  emails: string[];
  webUserIds: string[];
  contacts: ContactRecord[];
}
