import type { ConversationRecord, ConversationState } from './conversation';
import type { AnalyticsEvent, AnalyticsEventType } from './events';
import type { Customer, ContactRecord, Ticket, TicketStatus } from './ticket';
import type { MessageBus } from './services';
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
 * `getState` and `saveState` are the turn's path: the record without reading or rewriting the stored
 * transcript lines (new lines are appended), so their cost does not grow with the conversation.
 */
export interface ConversationStore {
  get(id: string): Promise<ConversationRecord | undefined>;
  save(record: ConversationRecord, options?: { ttlMs?: number }): Promise<void>;
  /** The conversation without its transcript lines: `storedLines` counts them, `added` is empty. */
  getState(id: string): Promise<ConversationState | undefined>;
  /**
   * Writes the state's fields and appends `state.added` after the stored lines, with the same version check as
   * `save`; the stored transcript must still have `state.storedLines` lines (a conflict otherwise).
   */
  saveState(state: ConversationState, options?: { ttlMs?: number }): Promise<void>;
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

/** What `TicketStore.updateIf` expects the stored ticket to be: its status and agent (undefined = none). */
export interface TicketExpectation {
  status: TicketStatus;
  agent?: string;
}

export interface TicketStore {
  /** The next readable ticket id (`ASPA-000001`, ...); never the same twice, also across instances. */
  nextId(): Promise<string>;
  /**
   * The ticket id for `key` (a conversation and its turn): a new one from the same sequence as `nextId` the first
   * time, the same one on every later call within `ttlMs`, also from another instance at the same moment. A turn
   * retried after a crash thereby finds the ticket it already made. The reservation is forgotten after `ttlMs`.
   */
  reserveId(key: string, ttlMs: number): Promise<string>;
  create(ticket: Ticket): Promise<void>;
  get(id: string): Promise<Ticket | undefined>;
  /** Replaces the ticket; fails when it does not exist. */
  update(ticket: Ticket): Promise<void>;
  /**
   * Compare-and-set: replaces the ticket only while the stored one still has `expected`'s status and agent, in one
   * atomic step (of two agents claiming an open ticket at once, exactly one is applied). Answers whether it was
   * applied and the ticket as stored afterwards; undefined when there is no such ticket.
   */
  updateIf(ticket: Ticket, expected: TicketExpectation): Promise<{ applied: boolean; current: Ticket } | undefined>;
  list(query?: TicketQuery): Promise<Ticket[]>;
}

/** One agent console login as the store keeps it; the cookie carries a secret whose hash is `id`. */
export interface AgentSessionRecord {
  /** A hash of the cookie's secret (the secret itself is never stored). */
  id: string;
  name: string;
  roles: string[];
  createdAt: number;
  expiresAt: number;
}

/**
 * Agent console logins, shared by every instance of the store: a revoked session is refused everywhere at once,
 * and sessions outlive restarts (embedded, Redis). `get` answers live sessions only; expired ones are deleted
 * by the store (bounded storage).
 */
export interface AgentSessionStore {
  create(session: AgentSessionRecord): Promise<void>;
  get(id: string): Promise<AgentSessionRecord | undefined>;
  revoke(id: string): Promise<void>;
}

/**
 * Counts in fixed windows under a key, shared by every instance (failed logins per account and per address).
 * A window opens with the first addition and lasts `windowMs`; after it the count starts from zero. Expired
 * counts are deleted by the store; nothing is ever cleared wholesale.
 */
export interface AttemptCounters {
  /**
   * Adds `by` (negative to take back) to the count under `key`, atomically; answers the count after it and how long
   * its window still runs. Taking back from a count that does not exist stores nothing; a count never goes below 0.
   */
  add(key: string, by: number, windowMs: number): Promise<{ count: number; resetInMs: number }>;
  /** Forgets the count under `key` (e.g. an account's failures after its right password). */
  reset(key: string): Promise<void>;
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
  /** Several events of one turn in one write (one transaction where the store has them). */
  appendMany(events: AnalyticsEvent[]): Promise<void>;
  query(query?: EventQuery): Promise<AnalyticsEvent[]>;
}

/** One delivery job in the durable outbox (e.g. a ticket to a helpdesk webhook). */
export interface OutboxItem {
  id: string;
  /** Which sink delivers it, e.g. 'webhook'. */
  sink: string;
  /** Sent as the idempotency key so the receiver can drop duplicates. */
  idempotencyKey: string;
  payload: unknown;
  attempts: number;
  /** Not before this time (ms). */
  dueAt: number;
  createdAt: number;
  lastError?: string;
  deliveredAt?: number;
}

/**
 * Durable outbox: items survive restarts and kill -9 and are handed out until marked delivered.
 * `claim` leases due items for `leaseMs` so two instances do not send the same item at once.
 */
export interface Outbox {
  enqueue(item: Omit<OutboxItem, 'attempts' | 'deliveredAt' | 'lastError'>): Promise<void>;
  claim(now: number, limit: number, leaseMs: number): Promise<OutboxItem[]>;
  markDelivered(id: string, at: number): Promise<void>;
  /** A failed attempt: try again at `dueAt`. */
  reschedule(id: string, dueAt: number, error: string): Promise<void>;
  pending(): Promise<OutboxItem[]>;
  /** How many items are not delivered yet (the backlog), counted without reading them: cheap enough for a metric. */
  waiting(): Promise<number>;
}

/**
 * Which bot version (content hash of flows and locales) the deployment serves: one id shared by every server
 * instance, announced to all of them when it changes, so they switch together.
 */
export interface BotVersionPointer {
  get(): Promise<string | undefined>;
  /** Stores the id and notifies every subscriber, on every instance (this one included). */
  set(id: string): Promise<void>;
  /** Returns an unsubscribe function. */
  subscribe(handler: (id: string) => void): Promise<() => Promise<void>>;
}

/** All stores of one deployment, built by one adapter family. */
export interface Stores {
  conversations: ConversationStore;
  lock: ConversationLock;
  tickets: TicketStore;
  customers: CustomerStore;
  events: EventLog;
  outbox: Outbox;
  agentSessions: AgentSessionStore;
  attempts: AttemptCounters;
  bus: MessageBus;
  botVersion: BotVersionPointer;
  close(): Promise<void>;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
