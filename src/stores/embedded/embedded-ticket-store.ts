import type Database from 'better-sqlite3';
import type { Clock, TicketStore } from '../../core/ports';
import type { Ticket } from '../../core/ticket';
import { StoreError } from '../shared/store-errors';
import {
  assertDuration, assertId, assertLimit, assertTicket, assertTicketExpectation, formatTicketId, parseStored, ticketStatuses, toStored,
} from '../shared/store-validation';

/**
 * Tickets in SQLite; ids come from a counter row bumped and read in one statement. `updateIf` is one UPDATE whose
 * WHERE holds the expected status and agent; `reserveId` reads or writes `ticket_keys` in one IMMEDIATE transaction.
 */
export function createEmbeddedTicketStore(db: Database.Database, clock: Clock): TicketStore & { purgeExpired(): void } {
  const bump = db.prepare("UPDATE counters SET value = value + 1 WHERE name = 'ticket' RETURNING value").pluck();
  const selectKey = db.prepare<[string, number], string>('SELECT ticket_id FROM ticket_keys WHERE key = ? AND expires_at > ?').pluck();
  const putKey = db.prepare<[string, string, number]>('INSERT OR REPLACE INTO ticket_keys (key, ticket_id, expires_at) VALUES (?, ?, ?)');
  const purgeKeys = db.prepare<[number]>('DELETE FROM ticket_keys WHERE expires_at <= ?');
  const reserve = db.transaction((key: string, now: number, ttl: number): string => {
    const existing = selectKey.get(key, now);
    if (existing !== undefined) return existing;
    const id = formatTicketId(bump.get() as number);
    putKey.run(key, id, now + ttl);
    return id;
  });
  // No agent and an empty agent are the same: json_extract answers NULL for both a missing and a null field.
  const replaceIf = db.prepare<[string, number, string, string, string, string]>(
    "UPDATE tickets SET status = ?, created_at = ?, data = ? WHERE id = ? AND status = ? AND coalesce(json_extract(data, '$.agent'), '') = ?");
  const insert = db.prepare<[string, string, number, string]>('INSERT INTO tickets (id, status, created_at, data) VALUES (?, ?, ?, ?)');
  const replace = db.prepare<[string, number, string, string]>('UPDATE tickets SET status = ?, created_at = ?, data = ? WHERE id = ?');
  const select = db.prepare<[string], string>('SELECT data FROM tickets WHERE id = ?').pluck();
  // Statuses arrive as a JSON array so one prepared statement serves every filter.
  const list = db.prepare<[string | null, string | null, number], string>(
    `SELECT data FROM tickets WHERE (? IS NULL OR status IN (SELECT value FROM json_each(?)))
     ORDER BY created_at DESC, id DESC LIMIT ?`).pluck();

  return {
    async nextId() {
      return formatTicketId(bump.get() as number);
    },
    async create(ticket) {
      assertTicket(ticket);
      try {
        insert.run(ticket.id, ticket.status, ticket.createdAt, toStored(ticket, `ticket ${ticket.id}`));
      } catch (error) {
        if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
          throw new StoreError('DUPLICATE', `ticket ${ticket.id} already exists; take a new id from nextId()`, { cause: error });
        }
        throw error;
      }
    },
    async reserveId(key, ttlMs) {
      assertId(key, 'ticket key');
      const ttl = assertDuration(ttlMs, 'ticket key ttlMs');
      return reserve.immediate(key, clock.now(), ttl);
    },
    async updateIf(ticket, expected) {
      assertTicket(ticket);
      assertTicketExpectation(expected);
      const data = toStored(ticket, `ticket ${ticket.id}`);
      const applied = replaceIf.run(ticket.status, ticket.createdAt, data, ticket.id, expected.status, expected.agent ?? '').changes > 0;
      const current = select.get(ticket.id);
      return current === undefined ? undefined : { applied, current: parseStored<Ticket>(current, `ticket ${ticket.id}`) };
    },
    purgeExpired() {
      purgeKeys.run(clock.now());
    },
    async get(id) {
      assertId(id, 'ticket id');
      const data = select.get(id);
      return data === undefined ? undefined : parseStored<Ticket>(data, `ticket ${id}`);
    },
    async update(ticket) {
      assertTicket(ticket);
      const changes = replace.run(ticket.status, ticket.createdAt, toStored(ticket, `ticket ${ticket.id}`), ticket.id).changes;
      if (changes === 0) throw new StoreError('NOT_FOUND', `ticket ${ticket.id} does not exist; create it first`);
    },
    async list(query) {
      const statuses = ticketStatuses(query);
      const limit = query?.limit === undefined ? -1 : assertLimit(query.limit, 'ticket query limit');
      const filter = statuses ? JSON.stringify(statuses) : null;
      return list.all(filter, filter, limit).map((data) => parseStored<Ticket>(data, 'ticket'));
    },
  };
}
