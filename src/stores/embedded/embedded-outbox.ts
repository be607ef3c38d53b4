import type Database from 'better-sqlite3';
import type { Clock, Outbox, OutboxItem } from '../../core/ports';
import { StoreError } from '../shared/store-errors';
import { assertClaim, assertId, assertOutboxItem, assertTime, parseStored, toStored } from '../shared/store-validation';

/** Delivered items are kept this long for inspection, then purged. */
export const DELIVERED_RETENTION_MS = 7 * 24 * 3_600_000;

interface OutboxRow {
  id: string;
  due_at: number;
  attempts: number;
  last_error: string | null;
  delivered_at: number | null;
  data: string;
}

function toItem(row: OutboxRow): OutboxItem {
  const item: OutboxItem = { ...parseStored<OutboxItem>(row.data, `outbox item ${row.id}`), attempts: row.attempts, dueAt: row.due_at };
  if (row.last_error !== null) item.lastError = row.last_error;
  if (row.delivered_at !== null) item.deliveredAt = row.delivered_at;
  return item;
}

/**
 * The durable outbox in SQLite. The immutable part of an item is JSON; due time, attempts and the last
 * error are columns so claiming is a small indexed update inside one immediate transaction.
 */
export function createEmbeddedOutbox(db: Database.Database, clock: Clock): Outbox & { purgeDelivered(): number } {
  const insert = db.prepare<[string, number, string]>('INSERT OR IGNORE INTO outbox (id, due_at, data) VALUES (?, ?, ?)');
  const due = db.prepare<[number, number], OutboxRow>(
    'SELECT * FROM outbox WHERE delivered_at IS NULL AND due_at <= ? ORDER BY due_at, id LIMIT ?');
  const lease = db.prepare<[number, string]>('UPDATE outbox SET due_at = ?, attempts = attempts + 1 WHERE id = ?');
  const deliver = db.prepare<[number, string]>('UPDATE outbox SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL');
  const retry = db.prepare<[number, string, string]>(
    'UPDATE outbox SET due_at = ?, last_error = ? WHERE id = ? AND delivered_at IS NULL');
  const exists = db.prepare<[string], number>('SELECT 1 FROM outbox WHERE id = ?').pluck();
  const pending = db.prepare<[], OutboxRow>('SELECT * FROM outbox WHERE delivered_at IS NULL ORDER BY due_at, id');
  const purge = db.prepare<[number]>('DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at <= ?');
  const waiting = db.prepare<[], number>('SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL').pluck();

  const claim = db.transaction((now: number, limit: number, leaseMs: number): OutboxItem[] => {
    const rows = due.all(now, limit);
    for (const row of rows) lease.run(now + leaseMs, row.id);
    return rows.map((row) => toItem({ ...row, due_at: now + leaseMs, attempts: row.attempts + 1 }));
  });

  const requireExisting = (id: string): void => {
    if (exists.get(id) === undefined) throw new StoreError('NOT_FOUND', `outbox item ${id} does not exist`);
  };

  return {
    async enqueue(item) {
      assertOutboxItem(item);
      const { id, sink, idempotencyKey, payload, createdAt } = item;
      // OR IGNORE: enqueueing the same id again (a retried handoff) keeps the first job.
      insert.run(id, item.dueAt, toStored({ id, sink, idempotencyKey, payload, createdAt }, `outbox item ${id}`));
    },
    async claim(now, limit, leaseMs) {
      assertClaim(now, limit, leaseMs);
      // IMMEDIATE takes the write lock first, so two processes sharing the file never claim the same row.
      return claim.immediate(now, limit, leaseMs);
    },
    async markDelivered(id, at) {
      assertId(id, 'outbox item id');
      assertTime(at, 'markDelivered at');
      if (deliver.run(at, id).changes === 0) requireExisting(id);
    },
    async reschedule(id, dueAt, error) {
      assertId(id, 'outbox item id');
      assertTime(dueAt, 'reschedule dueAt');
      if (retry.run(dueAt, String(error).slice(0, 2000), id).changes === 0) requireExisting(id);
    },
    async pending() {
      return pending.all().map(toItem);
    },
    async waiting() {
      return waiting.get() ?? 0;
    },
    purgeDelivered() {
      return purge.run(clock.now() - DELIVERED_RETENTION_MS).changes;
    },
  };
}
