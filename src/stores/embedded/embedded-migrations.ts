import type Database from 'better-sqlite3';

/**
 * Schema of `aspa.db`, one entry per version. `PRAGMA user_version` records how many have run; a new
 * release appends a migration and never edits an old one, so any older file upgrades in order.
 * Conversations are a rowid table on purpose: their rows are kilobytes, and WITHOUT ROWID tables with
 * large rows measured twice the CPU per save.
 */
export const EMBEDDED_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    expires_at INTEGER,
    data TEXT NOT NULL
  );
  CREATE INDEX conversations_by_updated ON conversations (updated_at);
  CREATE INDEX conversations_by_expiry ON conversations (expires_at) WHERE expires_at IS NOT NULL;

  CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
  INSERT INTO counters (name, value) VALUES ('ticket', 0);

  CREATE TABLE tickets (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    data TEXT NOT NULL
  );
  CREATE INDEX tickets_by_status ON tickets (status, created_at);
  CREATE INDEX tickets_by_created ON tickets (created_at);

  CREATE TABLE customers (id TEXT PRIMARY KEY, data TEXT NOT NULL);
  CREATE TABLE customer_keys (key TEXT PRIMARY KEY, customer_id TEXT NOT NULL) WITHOUT ROWID;

  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL
  );
  CREATE INDEX events_by_time ON events (at);
  CREATE INDEX events_by_type ON events (type, at);

  CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    due_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    delivered_at INTEGER,
    data TEXT NOT NULL
  );
  CREATE INDEX outbox_due ON outbox (due_at) WHERE delivered_at IS NULL;
  CREATE INDEX outbox_delivered ON outbox (delivered_at) WHERE delivered_at IS NOT NULL;
  `,
  // Every save moved the row in this index: a quarter of the save cost. Purging now walks updated_at.
  `
  DROP INDEX IF EXISTS conversations_by_expiry;
  INSERT OR IGNORE INTO counters (name, value) VALUES ('max_ttl_ms', 0);
  `,
  // The transcript leaves the conversation row (issue 10): one row per line, so a save inserts only the
  // new lines instead of rewriting a row that grows with the conversation. write_token names the stored
  // version, so a process can trust the lines it already holds. Existing transcripts move over here.
  `
  CREATE TABLE conversation_transcript (
    conversation_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    entry TEXT NOT NULL,
    PRIMARY KEY (conversation_id, seq)
  ) WITHOUT ROWID;
  ALTER TABLE conversations ADD COLUMN transcript_length INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE conversations ADD COLUMN write_token TEXT;
  INSERT INTO conversation_transcript (conversation_id, seq, entry)
    SELECT c.id, t.key,
      CASE t.type WHEN 'object' THEN t.value WHEN 'array' THEN t.value WHEN 'text' THEN json_quote(t.value)
        WHEN 'null' THEN 'null' WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(t.value AS TEXT) END
    FROM conversations c, json_each(c.data, '$.transcript') t
    WHERE json_valid(c.data) AND json_type(c.data, '$.transcript') = 'array';
  UPDATE conversations SET transcript_length = json_array_length(data, '$.transcript'), data = json_remove(data, '$.transcript')
    WHERE json_valid(data) AND json_type(data, '$.transcript') = 'array';
  CREATE TRIGGER conversations_delete_transcript AFTER DELETE ON conversations BEGIN
    DELETE FROM conversation_transcript WHERE conversation_id = old.id;
  END;
  `,
  // Agent access in the store (issue 11): console sessions (a hash of the cookie's secret, so a copy of the file
  // logs nobody in), failed-login counters per account and address, and the ticket id reserved for a conversation's
  // turn so a retried turn finds its ticket. Each expires; the purge deletes them through the expiry indexes.
  `
  CREATE TABLE agent_sessions (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, data TEXT NOT NULL) WITHOUT ROWID;
  CREATE INDEX agent_sessions_by_expiry ON agent_sessions (expires_at);
  CREATE TABLE attempt_counters (key TEXT PRIMARY KEY, count INTEGER NOT NULL, reset_at INTEGER NOT NULL) WITHOUT ROWID;
  CREATE INDEX attempt_counters_by_reset ON attempt_counters (reset_at);
  CREATE TABLE ticket_keys (key TEXT PRIMARY KEY, ticket_id TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
  CREATE INDEX ticket_keys_by_expiry ON ticket_keys (expires_at);
  `,
];

/** Brings the database to the newest schema; each step and its version bump commit together. */
export function migrateEmbedded(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > EMBEDDED_MIGRATIONS.length) {
    throw new Error(
      `aspa.db has schema version ${current}, newer than this Aspa (${EMBEDDED_MIGRATIONS.length}); ` +
        'upgrade Aspa or point ASPA_DATA_DIR at another folder',
    );
  }
  for (let version = current; version < EMBEDDED_MIGRATIONS.length; version += 1) {
    db.transaction(() => {
      db.exec(EMBEDDED_MIGRATIONS[version]);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}
