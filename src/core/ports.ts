import type { ConversationRecord } from './conversation';
import type { AnalyticsEvent, AnalyticsEventType } from './events';
import type { Customer, ContactRecord, Ticket, TicketStatus } from './ticket';
import type { CustomerHints } from './turn';

/** Thrown by `ConversationStore.save` when the stored version is not the expected one. */
export class VersionConflictError extends Error {
  constructor(readonly conversationId: string, readonly expected: number, readonly actual: number | undefined) {
    super(`conversation ${conversationId} was changed by someone else (expected version ${expected}, found ${actual ?? 'none'})`);
    this.name = 'VersionConflictError';
  }
}

/**
 * Persists conversations with optimistic concurrency. `save` writes `record` only when the stored
 * version equals `record.version - 1` (0 = must not exist yet), so two writers never overwrite each other.
 */
export interface ConversationStore {
  get(id: string): Promise<ConversationRecord | undefined>;
  save(record: ConversationRecord, options?: { ttlMs?: number }): Promise<void>;
  delete(id: string): Promise<void>;
  /** Ids of conversations updated since `since` (ms), newest first, at most `limit`. */
  listRecent(since: number, limit: number): Promise<string[]>;
}

/**
 * Runs work for one conversation at a time, also across server instances. The lease expires after
 * `ttlMs` so a crashed holder cannot block the conversation forever.
 */
export interface ConversationLock {
  withLock<T>(conversationId: string, work: () => Promise<T>, options?: { ttlMs?: number }): Promise<T>;
}

export interface TicketQuery {
  status?: TicketStatus | TicketStatus[];
  limit?: number;
}

export interface TicketStore {
  /** The next readable ticket id (`ASPA-000001`, ...); never the same twice, also across instances. */
  nextId(): Promise<string>;
  create(ticket: Ticket): Promise<void>;
  get(id: string): Promise<Ticket | undefined>;
  /** Replaces the ticket; fails when it does not exist. */
  update(ticket: Ticket): Promise<void>;
  list(query?: TicketQuery): Promise<Ticket[]>;
}

/** Cross-channel identity and contact history. */
export interface CustomerStore {
  /** The customer that any of the hints (phone, e-mail, web user id) points to. */
  find(hints: CustomerHints): Promise<Customer | undefined>;
  /** Finds or creates the customer for the hints and links every hint to it; returns it. */
  identify(hints: CustomerHints): Promise<Customer>;
  /** Adds or replaces (same conversation id) a contact in the customer's history. */
  recordContact(customerId: string, contact: ContactRecord): Promise<void>;
  get(id: string): Promise<Customer | undefined>;
}

export interface EventQuery {
  since?: number;
  until?: number;
  types?: AnalyticsEventType[];
  limit?: number;
}

/** Append-only analytics log. */
export interface EventLog {
  append(event: AnalyticsEvent): Promise<void>;
  query(query?: EventQuery): Promise<AnalyticsEvent[]>;
}

/** All stores of one deployment, built by one adapter family. */
export interface Stores {
  conversations: ConversationStore;
  lock: ConversationLock;
  tickets: TicketStore;
  customers: CustomerStore;
  events: EventLog;
  close(): Promise<void>;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
