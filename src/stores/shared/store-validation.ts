import type { ConversationRecord, ConversationState } from '../../core/conversation';
import type { AnalyticsEvent } from '../../core/events';
import type { AgentSessionRecord, EventQuery, OutboxItem, TicketExpectation, TicketQuery } from '../../core/ports';
import type { ContactRecord, Ticket, TicketStatus } from '../../core/ticket';
import { StoreError } from './store-errors';

/**
 * Checks every adapter runs on what it is handed, so bad input fails the same way (a `StoreError`
 * with code `INVALID_INPUT` and a message naming the field) whichever store is configured.
 */

const TICKET_STATUSES: readonly TicketStatus[] = ['open', 'claimed', 'closed'];
const MAX_ID_LENGTH = 200;

function invalid(message: string): never {
  throw new StoreError('INVALID_INPUT', message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-empty id of reasonable length; `what` names it in the message. */
export function assertId(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH) {
    invalid(`${what} must be a non-empty string of at most ${MAX_ID_LENGTH} characters (got ${describe(value)})`);
  }
}

function assertTime(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) invalid(`${what} must be a time in milliseconds (got ${describe(value)})`);
}

function assertPositiveInt(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) invalid(`${what} must be a positive integer (got ${describe(value)})`);
}

export function assertConversationRecord(record: unknown): asserts record is ConversationRecord {
  if (!isRecord(record)) invalid('a conversation record must be an object');
  assertId(record.id, 'conversation id');
  assertPositiveInt(record.version, `version of conversation ${record.id}`);
  assertTime(record.updatedAt, `updatedAt of conversation ${record.id}`);
  if (!Array.isArray(record.transcript)) invalid(`transcript of conversation ${record.id} must be an array`);
}

export function assertConversationState(state: unknown): asserts state is ConversationState {
  if (!isRecord(state)) invalid('a conversation state must be an object');
  assertId(state.id, 'conversation id');
  assertPositiveInt(state.version, `version of conversation ${state.id}`);
  assertTime(state.updatedAt, `updatedAt of conversation ${state.id}`);
  if (typeof state.storedLines !== 'number' || !Number.isInteger(state.storedLines) || state.storedLines < 0) {
    invalid(`storedLines of conversation ${state.id} must be a non-negative integer (got ${describe(state.storedLines)})`);
  }
  if (state.version === 1 && state.storedLines !== 0) invalid(`a new conversation ${state.id} has no stored lines (storedLines ${state.storedLines})`);
  if (!Array.isArray(state.added)) invalid(`added lines of conversation ${state.id} must be an array`);
}

export function assertTtl(options: { ttlMs?: number } | undefined): number | undefined {
  const ttl = options?.ttlMs;
  if (ttl === undefined) return undefined;
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) invalid(`ttlMs must be a positive number of milliseconds (got ${describe(ttl)})`);
  return Math.ceil(ttl);
}

export function assertLimit(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) invalid(`${what} must be a non-negative integer (got ${describe(value)})`);
  return value;
}

export function assertTicket(ticket: unknown): asserts ticket is Ticket {
  if (!isRecord(ticket)) invalid('a ticket must be an object');
  assertId(ticket.id, 'ticket id');
  assertTime(ticket.createdAt, `createdAt of ticket ${ticket.id}`);
  if (!TICKET_STATUSES.includes(ticket.status as TicketStatus)) {
    invalid(`status of ticket ${ticket.id} must be one of ${TICKET_STATUSES.join(', ')} (got ${describe(ticket.status)})`);
  }
}

/** The statuses a ticket query asks for; undefined = all. */
export function ticketStatuses(query: TicketQuery | undefined): TicketStatus[] | undefined {
  if (query?.status === undefined) return undefined;
  const statuses = Array.isArray(query.status) ? query.status : [query.status];
  for (const status of statuses) {
    if (!TICKET_STATUSES.includes(status)) invalid(`ticket status must be one of ${TICKET_STATUSES.join(', ')} (got ${describe(status)})`);
  }
  return statuses;
}

export function assertContact(contact: unknown): asserts contact is ContactRecord {
  if (!isRecord(contact)) invalid('a contact record must be an object');
  assertId(contact.conversationId, 'contact conversationId');
  assertTime(contact.at, `at of contact ${contact.conversationId}`);
}

export function assertEvent(event: unknown): asserts event is AnalyticsEvent {
  if (!isRecord(event)) invalid('an analytics event must be an object');
  if (typeof event.type !== 'string' || event.type.length === 0) invalid('event type must be a non-empty string');
  assertTime(event.at, `at of event ${event.type}`);
}

export function assertEventQuery(query: EventQuery | undefined): void {
  if (query === undefined) return;
  if (query.since !== undefined) assertTime(query.since, 'event query since');
  if (query.until !== undefined) assertTime(query.until, 'event query until');
  if (query.limit !== undefined) assertLimit(query.limit, 'event query limit');
  if (query.types !== undefined && !Array.isArray(query.types)) invalid('event query types must be an array of event types');
}

export function assertOutboxItem(item: unknown): asserts item is Omit<OutboxItem, 'attempts' | 'deliveredAt' | 'lastError'> {
  if (!isRecord(item)) invalid('an outbox item must be an object');
  assertId(item.id, 'outbox item id');
  assertId(item.sink, `sink of outbox item ${item.id}`);
  assertId(item.idempotencyKey, `idempotencyKey of outbox item ${item.id}`);
  assertTime(item.dueAt, `dueAt of outbox item ${item.id}`);
  assertTime(item.createdAt, `createdAt of outbox item ${item.id}`);
}

export function assertClaim(now: unknown, limit: unknown, leaseMs: unknown): void {
  assertTime(now, 'claim now');
  assertLimit(limit, 'claim limit');
  if (typeof leaseMs !== 'number' || !Number.isFinite(leaseMs) || leaseMs <= 0) invalid(`claim leaseMs must be a positive number (got ${describe(leaseMs)})`);
}

export { assertTime };

/** A positive duration in ms, rounded up to whole milliseconds. */
export function assertDuration(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) invalid(`${what} must be a positive number of milliseconds (got ${describe(value)})`);
  return Math.ceil(value);
}

export function assertTicketExpectation(expected: unknown): asserts expected is TicketExpectation {
  if (!isRecord(expected)) invalid('the expected ticket state must be an object { status, agent? }');
  if (!TICKET_STATUSES.includes(expected.status as TicketStatus)) {
    invalid(`expected ticket status must be one of ${TICKET_STATUSES.join(', ')} (got ${describe(expected.status)})`);
  }
  if (expected.agent !== undefined && (typeof expected.agent !== 'string' || expected.agent === '')) invalid('expected ticket agent must be a non-empty string or absent');
}

/** Whether a stored ticket is in the expected state (no agent and an absent agent are the same). */
export function ticketMatches(ticket: Ticket, expected: TicketExpectation): boolean {
  return ticket.status === expected.status && (ticket.agent || undefined) === (expected.agent || undefined);
}

export function assertAgentSession(session: unknown): asserts session is AgentSessionRecord {
  if (!isRecord(session)) invalid('an agent session must be an object');
  assertId(session.id, 'agent session id');
  if (typeof session.name !== 'string' || session.name === '') invalid(`name of agent session must be a non-empty string (got ${describe(session.name)})`);
  if (!Array.isArray(session.roles) || !session.roles.every((role) => typeof role === 'string')) invalid('roles of agent session must be a list of strings');
  assertTime(session.createdAt, 'createdAt of agent session');
  assertTime(session.expiresAt, 'expiresAt of agent session');
}

/** The arguments of `AttemptCounters.add`. */
export function assertAttempt(key: unknown, by: unknown, windowMs: unknown): number {
  assertId(key, 'attempt counter key');
  if (typeof by !== 'number' || !Number.isInteger(by)) invalid(`attempt count change must be an integer (got ${describe(by)})`);
  return assertDuration(windowMs, 'attempt window');
}

/** JSON text → value, or a `StoreError` that names what was corrupt (never a bare SyntaxError). */
export function parseStored<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new StoreError('CORRUPT_DATA', `stored ${what} is not valid JSON; the row/key is corrupt`, { cause: error });
  }
}

/** Value → JSON text, with a clear error for values JSON cannot hold (cycles, BigInt). */
export function toStored(value: unknown, what: string): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw new StoreError('INVALID_INPUT', `${what} cannot be stored as JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** `ASPA-000123`: readable, sortable while below a million, never truncated above it. */
export function formatTicketId(sequence: number): string {
  return `ASPA-${String(sequence).padStart(6, '0')}`;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : String(value);
}
