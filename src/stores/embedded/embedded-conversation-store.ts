import type Database from 'better-sqlite3';
import type { ConversationRecord } from '../../core/conversation';
import { VersionConflictError, type Clock, type ConversationStore } from '../../core/ports';
import {
  assertConversationRecord, assertId, assertLimit, assertTime, assertTtl, parseStored, toStored,
} from '../shared/store-validation';

/**
 * Conversations in SQLite. A save is one statement (one implicit transaction) whose WHERE clause is
 * the version check, so a stale writer changes nothing. Expired rows count as absent everywhere.
 */
export function createEmbeddedConversationStore(db: Database.Database, clock: Clock): ConversationStore & { purgeExpired(): number } {
  const selectLive = db.prepare<[string, number], string>(
    'SELECT data FROM conversations WHERE id = ? AND (expires_at IS NULL OR expires_at > ?)').pluck();
  const selectLiveVersion = db.prepare<[string, number], number>(
    'SELECT version FROM conversations WHERE id = ? AND (expires_at IS NULL OR expires_at > ?)').pluck();
  // Version 1 creates; it may replace only a row whose TTL has passed (a returning customer starts fresh).
  const create = db.prepare(
    `INSERT INTO conversations (id, version, updated_at, expires_at, data) VALUES (@id, @version, @updatedAt, @expiresAt, @data)
     ON CONFLICT (id) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at,
       expires_at = excluded.expires_at, data = excluded.data
     WHERE conversations.expires_at IS NOT NULL AND conversations.expires_at <= @now`);
  const update = db.prepare(
    `UPDATE conversations SET version = @version, updated_at = @updatedAt, expires_at = @expiresAt, data = @data
     WHERE id = @id AND version = @version - 1 AND (expires_at IS NULL OR expires_at > @now)`);
  const remove = db.prepare<[string]>('DELETE FROM conversations WHERE id = ?');
  const recent = db.prepare<[number, number, number], string>(
    `SELECT id FROM conversations WHERE updated_at >= ? AND (expires_at IS NULL OR expires_at > ?)
     ORDER BY updated_at DESC LIMIT ?`).pluck();
  // A row saved with a TTL of at most maxTtl has updated_at <= now - maxTtl once it can have expired
  // (updatedAt is the save time), so the purge walks the updated_at index instead of the whole table.
  // Rows whose updatedAt lags their save are purged later; `get` hides every expired row regardless.
  const purge = db.prepare<[number, number]>(
    'DELETE FROM conversations WHERE updated_at <= ? AND expires_at IS NOT NULL AND expires_at <= ?');
  const readMaxTtl = db.prepare("SELECT value FROM counters WHERE name = 'max_ttl_ms'").pluck();
  const writeMaxTtl = db.prepare<[number]>("UPDATE counters SET value = ? WHERE name = 'max_ttl_ms'");
  let maxTtlMs = Number(readMaxTtl.get() ?? 0);

  return {
    async get(id) {
      assertId(id, 'conversation id');
      const data = selectLive.get(id, clock.now());
      return data === undefined ? undefined : parseStored<ConversationRecord>(data, `conversation ${id}`);
    },
    async save(record, options) {
      assertConversationRecord(record);
      const ttlMs = assertTtl(options);
      const now = clock.now();
      const row = {
        id: record.id, version: record.version, updatedAt: record.updatedAt, now,
        expiresAt: ttlMs === undefined ? null : now + ttlMs,
        data: toStored(record, `conversation ${record.id}`),
      };
      if (ttlMs !== undefined && ttlMs > maxTtlMs) {
        writeMaxTtl.run(ttlMs);
        maxTtlMs = ttlMs;
      }
      const changes = (record.version === 1 ? create : update).run(row).changes;
      if (changes === 0) {
        throw new VersionConflictError(record.id, record.version - 1, selectLiveVersion.get(record.id, now));
      }
    },
    async delete(id) {
      assertId(id, 'conversation id');
      remove.run(id);
    },
    async listRecent(since, limit) {
      assertTime(since, 'listRecent since');
      assertLimit(limit, 'listRecent limit');
      return recent.all(since, clock.now(), limit);
    },
    purgeExpired() {
      const now = clock.now();
      return purge.run(now - maxTtlMs, now).changes;
    },
  };
}
