import type { HandoffReason, Priority } from './reply';
import type { TranscriptEntry } from './transcript';
import type { ChannelKind, Locale } from './turn';

export type SlotValue = string | number | boolean | null;
export type Slots = Record<string, SlotValue>;

export interface CustomerContact {
  name?: string;
  phone?: string;
  email?: string;
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
  summary: string;
  slots: Slots;
  transcript: TranscriptEntry[];
  /** Earlier contacts of the same customer on any channel. */
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
