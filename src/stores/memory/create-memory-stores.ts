import { randomUUID } from 'node:crypto';
import type { ConversationRecord } from '../../core/conversation';
import type { AnalyticsEvent } from '../../core/events';
import {
  systemClock, VersionConflictError,
  type AgentSessionRecord, type AgentSessionStore, type AttemptCounters, type Clock, type ConversationStore, type CustomerStore,
  type EventLog, type EventQuery, type Outbox, type OutboxItem, type Stores, type TicketQuery, type TicketStore,
} from '../../core/ports';
import type { ContactRecord, Customer, Ticket } from '../../core/ticket';
import type { CustomerHints } from '../../core/turn';
import { createLocalBus } from '../shared/create-local-bus';
import { createLocalVersionPointer } from '../shared/create-local-version-pointer';
import { createLocalLock, type LocalLockOptions } from '../shared/create-local-lock';
import { addHints, identityKeys, newCustomer, requireIdentityKeys, toCustomer, upsertContact } from '../shared/customer-identity';
import { StoreError } from '../shared/store-errors';
import {
  assertAgentSession, assertAttempt, assertClaim, assertContact, assertConversationRecord, assertConversationState, assertDuration, assertEvent,
  assertEventQuery, assertId, assertLimit, assertOutboxItem, assertTicket, assertTicketExpectation, assertTime, assertTtl,
  formatTicketId, parseStored, ticketMatches, ticketStatuses, toStored,
} from '../shared/store-validation';
import {
  addedJson, copyLines, emptyLines, entryJson, headOf, pushLine, recordJsonWithoutTranscript, sharedPrefix, stateJson, stateOf, type StoredLines,
} from '../shared/transcript-rows';

export interface MemoryStoresOptions extends LocalLockOptions {
  clock?: Clock;
}

/**
 * All stores in process memory, for tests and `aspa chat`. Every value is kept as JSON text and parsed
 * on the way out, so state that would not survive a real store (functions, class instances, cycles,
 * shared references mutated later) fails here too.
 */
export function createMemoryStores(options: MemoryStoresOptions = {}): Stores {
  const clock = options.clock ?? systemClock;
  const bus = createLocalBus();
  return {
    conversations: createMemoryConversationStore(clock),
    lock: createLocalLock(options),
    tickets: createMemoryTicketStore(clock),
    customers: createMemoryCustomerStore(),
    events: createMemoryEventLog(),
    outbox: createMemoryOutbox(),
    agentSessions: createMemoryAgentSessionStore(clock),
    attempts: createMemoryAttemptCounters(clock),
    bus,
    botVersion: createLocalVersionPointer(),
    async close() {
      // Lock timers are unref'd and cleared when work ends; only subscribers need letting go.
      await bus.close();
    },
  };
}

function createMemoryConversationStore(clock: Clock): ConversationStore {
  // The record without its transcript as JSON; the transcript as parsed copies of each line's JSON,
  // so a save converts only the lines that changed and a get copies the lines (no parse of the whole).
  const rows = new Map<string, { version: number; updatedAt: number; expiresAt?: number; json: string; lines: StoredLines }>();
  const live = (id: string) => {
    const row = rows.get(id);
    if (row && row.expiresAt !== undefined && row.expiresAt <= clock.now()) {
      rows.delete(id);
      return undefined;
    }
    return row;
  };
  return {
    async get(id) {
      assertId(id, 'conversation id');
      const row = live(id);
      if (!row) return undefined;
      const record = parseStored<ConversationRecord>(row.json, `conversation ${id}`);
      record.transcript = copyLines(row.lines) as ConversationRecord['transcript'];
      return record;
    },
    async save(record, saveOptions) {
      assertConversationRecord(record);
      const ttlMs = assertTtl(saveOptions);
      const current = live(record.id);
      if ((current?.version ?? 0) !== record.version - 1) {
        throw new VersionConflictError(record.id, record.version - 1, current?.version);
      }
      const keep = current ? sharedPrefix(record.transcript, current.lines) : 0;
      const added: string[] = [];
      for (let index = keep; index < record.transcript.length; index += 1) added.push(entryJson(record.transcript[index], record.id, index));
      const json = recordJsonWithoutTranscript(record);
      const lines = current ? headOf(current.lines, keep) : emptyLines();
      for (const line of added) pushLine(lines, parseStored(line, `transcript line of conversation ${record.id}`));
      rows.set(record.id, {
        version: record.version,
        updatedAt: record.updatedAt,
        expiresAt: ttlMs === undefined ? undefined : clock.now() + ttlMs,
        json,
        lines,
      });
    },
    async getState(id) {
      assertId(id, 'conversation id');
      const row = live(id);
      return row ? stateOf(parseStored<ConversationRecord>(row.json, `conversation ${id}`), row.lines.entries.length) : undefined;
    },
    async saveState(state, saveOptions) {
      assertConversationState(state);
      const ttlMs = assertTtl(saveOptions);
      const current = live(state.id);
      if ((current?.version ?? 0) !== state.version - 1 || (current && current.lines.entries.length !== state.storedLines)) {
        throw new VersionConflictError(state.id, state.version - 1, current?.version);
      }
      const added = addedJson(state);
      const json = stateJson(state);
      // The row's lines are its own (a get hands out copies): the turn's lines are pushed onto them.
      const lines = current?.lines ?? emptyLines();
      for (const line of added) pushLine(lines, parseStored(line, `transcript line of conversation ${state.id}`));
      rows.set(state.id, { version: state.version, updatedAt: state.updatedAt, expiresAt: ttlMs === undefined ? undefined : clock.now() + ttlMs, json, lines });
    },
    async delete(id) {
      assertId(id, 'conversation id');
      rows.delete(id);
    },
    async listRecent(since, limit) {
      assertTime(since, 'listRecent since');
      assertLimit(limit, 'listRecent limit');
      const found: Array<{ id: string; updatedAt: number }> = [];
      for (const id of [...rows.keys()]) {
        const row = live(id);
        if (row && row.updatedAt >= since) found.push({ id, updatedAt: row.updatedAt });
      }
      return found.sort((a, b) => b.updatedAt - a.updatedAt).slice(0, limit).map((row) => row.id);
    },
  };
}

function createMemoryTicketStore(clock: Clock): TicketStore {
  let sequence = 0;
  // Insertion order = creation order, which `list` reverses for newest first.
  const rows = new Map<string, string>();
  const reserved = new Map<string, { id: string; expiresAt: number }>();
  const sweepReserved = sweeper(reserved, (entry, now) => entry.expiresAt <= now, clock);
  return {
    async nextId() {
      sequence += 1;
      return formatTicketId(sequence);
    },
    async reserveId(key, ttlMs) {
      assertId(key, 'ticket key');
      const ttl = assertDuration(ttlMs, 'ticket key ttlMs');
      const now = clock.now();
      sweepReserved();
      const entry = reserved.get(key);
      if (entry && entry.expiresAt > now) return entry.id;
      sequence += 1;
      const id = formatTicketId(sequence);
      reserved.set(key, { id, expiresAt: now + ttl });
      return id;
    },
    async updateIf(ticket, expected) {
      assertTicket(ticket);
      assertTicketExpectation(expected);
      const json = rows.get(ticket.id);
      if (json === undefined) return undefined;
      const current = parseStored<Ticket>(json, `ticket ${ticket.id}`);
      if (!ticketMatches(current, expected)) return { applied: false, current };
      const stored = toStored(ticket, `ticket ${ticket.id}`);
      rows.set(ticket.id, stored);
      return { applied: true, current: parseStored<Ticket>(stored, `ticket ${ticket.id}`) };
    },
    async create(ticket) {
      assertTicket(ticket);
      if (rows.has(ticket.id)) throw new StoreError('DUPLICATE', `ticket ${ticket.id} already exists; take a new id from nextId()`);
      rows.set(ticket.id, toStored(ticket, `ticket ${ticket.id}`));
    },
    async get(id) {
      assertId(id, 'ticket id');
      const json = rows.get(id);
      return json === undefined ? undefined : parseStored<Ticket>(json, `ticket ${id}`);
    },
    async update(ticket) {
      assertTicket(ticket);
      if (!rows.has(ticket.id)) throw new StoreError('NOT_FOUND', `ticket ${ticket.id} does not exist; create it first`);
      rows.set(ticket.id, toStored(ticket, `ticket ${ticket.id}`));
    },
    async list(query?: TicketQuery) {
      const statuses = ticketStatuses(query);
      const limit = query?.limit === undefined ? Infinity : assertLimit(query.limit, 'ticket query limit');
      const tickets = [...rows.entries()].map(([id, json]) => parseStored<Ticket>(json, `ticket ${id}`));
      return tickets
        .filter((ticket) => !statuses || statuses.includes(ticket.status))
        .sort(newestTicketFirst)
        .slice(0, limit);
    },
  };
}

/**
 * Deletes the expired entries of a map now and then (every 256 calls, or when it has doubled since the last
 * sweep), so entries nobody asks for again do not pile up; never clears live ones.
 */
function sweeper<V>(map: Map<string, V>, expired: (value: V, now: number) => boolean, clock: Clock): () => void {
  let calls = 0;
  let sizeAfterSweep = 0;
  return () => {
    calls += 1;
    if (calls % 256 !== 0 && map.size <= Math.max(1024, sizeAfterSweep * 2)) return;
    const now = clock.now();
    for (const [key, value] of map) if (expired(value, now)) map.delete(key);
    sizeAfterSweep = map.size;
  };
}

function createMemoryAgentSessionStore(clock: Clock): AgentSessionStore {
  const sessions = new Map<string, { json: string; expiresAt: number }>();
  const sweep = sweeper(sessions, (entry, now) => entry.expiresAt <= now, clock);
  return {
    async create(session) {
      assertAgentSession(session);
      sweep();
      sessions.set(session.id, { json: toStored(session, 'agent session'), expiresAt: session.expiresAt });
    },
    async get(id) {
      assertId(id, 'agent session id');
      const entry = sessions.get(id);
      if (entry === undefined) return undefined;
      if (entry.expiresAt > clock.now()) return parseStored<AgentSessionRecord>(entry.json, 'agent session');
      sessions.delete(id);
      return undefined;
    },
    async revoke(id) {
      assertId(id, 'agent session id');
      sessions.delete(id);
    },
  };
}

function createMemoryAttemptCounters(clock: Clock): AttemptCounters {
  const counts = new Map<string, { count: number; resetAt: number }>();
  const sweep = sweeper(counts, (entry, now) => entry.resetAt <= now, clock);
  return {
    async add(key, by, windowMs) {
      const window = assertAttempt(key, by, windowMs);
      sweep();
      const now = clock.now();
      const entry = counts.get(key);
      if (!entry || entry.resetAt <= now) {
        if (by <= 0) {
          counts.delete(key);
          return { count: 0, resetInMs: 0 };
        }
        counts.set(key, { count: by, resetAt: now + window });
        return { count: by, resetInMs: window };
      }
      entry.count = Math.max(0, entry.count + by);
      return { count: entry.count, resetInMs: entry.resetAt - now };
    },
    async reset(key) {
      assertId(key, 'attempt counter key');
      counts.delete(key);
    },
  };
}

/** Newest first; the id breaks ties (sequential ids sort by creation). */
export function newestTicketFirst(a: Ticket, b: Ticket): number {
  return b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

function createMemoryCustomerStore(): CustomerStore {
  const customers = new Map<string, string>();
  const index = new Map<string, string>();
  const load = (id: string): Customer | undefined => {
    const json = customers.get(id);
    return json === undefined ? undefined : toCustomer(parseStored(json, `customer ${id}`));
  };
  const store = (customer: Customer): void => {
    customers.set(customer.id, toStored(customer, `customer ${customer.id}`));
  };
  const find = (hints: CustomerHints): Customer | undefined => {
    for (const key of identityKeys(hints)) {
      const id = index.get(key.key);
      const customer = id === undefined ? undefined : load(id);
      if (customer) return customer;
    }
    return undefined;
  };
  return {
    async find(hints) {
      return find(hints);
    },
    async identify(hints) {
      const keys = requireIdentityKeys(hints);
      const existing = find(hints);
      let customer: Customer;
      if (existing) {
        // Hints that already belong to another customer stay there: merging people needs a human.
        const unclaimed = keys.filter((key) => !index.has(key.key) || index.get(key.key) === existing.id);
        const hintsToAdd: CustomerHints = { name: hints.name };
        for (const key of unclaimed) {
          if (key.kind === 'phone') hintsToAdd.phone = key.value;
          if (key.kind === 'email') hintsToAdd.email = key.value;
          if (key.kind === 'web') hintsToAdd.webUserId = key.value;
        }
        customer = addHints(existing, hintsToAdd).customer;
        for (const key of unclaimed) index.set(key.key, customer.id);
      } else {
        customer = newCustomer(randomUUID(), hints);
        for (const key of keys) index.set(key.key, customer.id);
      }
      store(customer);
      return load(customer.id) as Customer;
    },
    async recordContact(customerId: string, contact: ContactRecord) {
      assertId(customerId, 'customer id');
      assertContact(contact);
      const customer = load(customerId);
      if (!customer) throw new StoreError('NOT_FOUND', `customer ${customerId} does not exist; call identify() first`);
      store({ ...customer, contacts: upsertContact(customer.contacts, contact) });
    },
    async get(id) {
      assertId(id, 'customer id');
      return load(id);
    },
  };
}

function createMemoryEventLog(): EventLog {
  const events: string[] = [];
  return {
    async append(event) {
      assertEvent(event);
      events.push(toStored(event, `event ${event.type}`));
    },
    async appendMany(batch) {
      batch.forEach((event) => assertEvent(event));
      for (const event of batch) events.push(toStored(event, `event ${event.type}`));
    },
    async query(query?: EventQuery) {
      assertEventQuery(query);
      const parsed = events.map((json) => parseStored<AnalyticsEvent>(json, 'event'));
      return filterEvents(parsed, query);
    },
  };
}

/** Events matching the query, oldest first, at most `limit` (the oldest ones). */
export function filterEvents(events: AnalyticsEvent[], query: EventQuery | undefined): AnalyticsEvent[] {
  const types = query?.types && query.types.length > 0 ? new Set<string>(query.types) : undefined;
  const matching = events.filter((event) =>
    (query?.since === undefined || event.at >= query.since) &&
    (query?.until === undefined || event.at <= query.until) &&
    (!types || types.has(event.type)));
  // Stable sort keeps append order for events with the same time.
  matching.sort((a, b) => a.at - b.at);
  return query?.limit === undefined ? matching : matching.slice(0, query.limit);
}

function createMemoryOutbox(): Outbox {
  const items = new Map<string, string>();
  const load = (id: string): OutboxItem | undefined => {
    const json = items.get(id);
    return json === undefined ? undefined : parseStored<OutboxItem>(json, `outbox item ${id}`);
  };
  const mustLoad = (id: string): OutboxItem => {
    assertId(id, 'outbox item id');
    const item = load(id);
    if (!item) throw new StoreError('NOT_FOUND', `outbox item ${id} does not exist`);
    return item;
  };
  const put = (item: OutboxItem): void => {
    items.set(item.id, toStored(item, `outbox item ${item.id}`));
  };
  const undelivered = (): OutboxItem[] =>
    [...items.keys()].map((id) => load(id) as OutboxItem).filter((item) => item.deliveredAt === undefined)
      .sort((a, b) => a.dueAt - b.dueAt);
  return {
    async enqueue(item) {
      assertOutboxItem(item);
      // Enqueueing the same id twice (a retried handoff) keeps the first: at most one delivery job.
      if (items.has(item.id)) return;
      put({ ...item, attempts: 0 });
    },
    async claim(now, limit, leaseMs) {
      assertClaim(now, limit, leaseMs);
      const due = undelivered().filter((item) => item.dueAt <= now).slice(0, limit);
      return due.map((item) => {
        const claimed: OutboxItem = { ...item, attempts: item.attempts + 1, dueAt: now + leaseMs };
        put(claimed);
        return claimed;
      });
    },
    async markDelivered(id, at) {
      assertTime(at, 'markDelivered at');
      const item = mustLoad(id);
      if (item.deliveredAt === undefined) put({ ...item, deliveredAt: at });
    },
    async reschedule(id, dueAt, error) {
      assertTime(dueAt, 'reschedule dueAt');
      const item = mustLoad(id);
      if (item.deliveredAt !== undefined) return;
      put({ ...item, dueAt, lastError: String(error).slice(0, 2000) });
    },
    async pending() {
      return undelivered();
    },
    async waiting() {
      return undelivered().length;
    },
  };
}
