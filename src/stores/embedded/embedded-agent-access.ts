import type Database from 'better-sqlite3';
import type { AgentSessionRecord, AgentSessionStore, AttemptCounters, Clock } from '../../core/ports';
import { assertAgentSession, assertAttempt, assertId, parseStored, toStored } from '../shared/store-validation';

/** Agent console sessions in `agent_sessions`; expired rows are invisible at once and deleted by `purgeExpired`. */
export function createEmbeddedAgentSessionStore(db: Database.Database, clock: Clock): AgentSessionStore & { purgeExpired(): void } {
  const insert = db.prepare<[string, number, string]>('INSERT OR REPLACE INTO agent_sessions (id, expires_at, data) VALUES (?, ?, ?)');
  const select = db.prepare<[string, number], string>('SELECT data FROM agent_sessions WHERE id = ? AND expires_at > ?').pluck();
  const remove = db.prepare<[string]>('DELETE FROM agent_sessions WHERE id = ?');
  const purge = db.prepare<[number]>('DELETE FROM agent_sessions WHERE expires_at <= ?');
  return {
    async create(session) {
      assertAgentSession(session);
      insert.run(session.id, session.expiresAt, toStored(session, 'agent session'));
    },
    async get(id) {
      assertId(id, 'agent session id');
      const data = select.get(id, clock.now());
      return data === undefined ? undefined : parseStored<AgentSessionRecord>(data, 'agent session');
    },
    async revoke(id) {
      assertId(id, 'agent session id');
      remove.run(id);
    },
    purgeExpired() {
      purge.run(clock.now());
    },
  };
}

/** Fixed-window counters in `attempt_counters`, each change one UPSERT; windows past their end are purged. */
export function createEmbeddedAttemptCounters(db: Database.Database, clock: Clock): AttemptCounters & { purgeExpired(): void } {
  // A row whose window has ended counts as absent: the addition opens a new window.
  const upsert = db.prepare<{ key: string; by: number; now: number; resetAt: number }, { count: number; reset_at: number }>(`
    INSERT INTO attempt_counters (key, count, reset_at) VALUES (:key, max(:by, 0), :resetAt)
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN reset_at <= :now THEN max(:by, 0) ELSE max(count + :by, 0) END,
      reset_at = CASE WHEN reset_at <= :now THEN :resetAt ELSE reset_at END
    RETURNING count, reset_at`);
  const select = db.prepare<[string, number], { count: number; reset_at: number }>('SELECT count, reset_at FROM attempt_counters WHERE key = ? AND reset_at > ?');
  const remove = db.prepare<[string]>('DELETE FROM attempt_counters WHERE key = ?');
  const purge = db.prepare<[number]>('DELETE FROM attempt_counters WHERE reset_at <= ?');
  return {
    async add(key, by, windowMs) {
      const window = assertAttempt(key, by, windowMs);
      const now = clock.now();
      if (by <= 0) {
        // Taking back never opens a window.
        const current = select.get(key, now);
        if (!current) return { count: 0, resetInMs: 0 };
      }
      const row = upsert.get({ key, by, now, resetAt: now + window }) as { count: number; reset_at: number };
      return { count: row.count, resetInMs: row.reset_at - now };
    },
    async reset(key) {
      assertId(key, 'attempt counter key');
      remove.run(key);
    },
    purgeExpired() {
      purge.run(clock.now());
    },
  };
}
