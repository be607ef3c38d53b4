import type Database from 'better-sqlite3';
import type { TicketStore } from '../../core/ports';
import type { Ticket } from '../../core/ticket';
import { StoreError } from '../shared/store-errors';
import {
  assertId, assertLimit, assertTicket, formatTicketId, parseStored, ticketStatuses, toStored,
} from '../shared/store-validation';

/** Tickets in SQLite; ids come from a counter row bumped and read in one statement. */
export function createEmbeddedTicketStore(db: Database.Database): TicketStore {
  const bump = db.prepare("UPDATE counters SET value = value + 1 WHERE name = 'ticket' RETURNING value").pluck();
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
