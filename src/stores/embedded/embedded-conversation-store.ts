import type Database from 'better-sqlite3';
import type { ConversationRecord, ConversationState } from '../../core/conversation';
import { VersionConflictError, type Clock, type ConversationStore } from '../../core/ports';
import { assertConversationRecord, assertConversationState, assertId, assertLimit, assertTime, assertTtl, parseStored } from '../shared/store-validation';
import {
  addedJson, copyLines, createTranscriptCache, createWriteTokens, emptyLines, entryJson, headOf, pushLine, recordJsonWithoutTranscript,
  sharedPrefix, stateJson, stateOf, type StoredEntry, type StoredLines,
} from '../shared/transcript-rows';

interface LiveRow {
  data: string;
  write_token: string | null;
}

interface StateRow {
  data: string;
  transcript_length: number;
}

interface LiveState {
  version: number;
  transcript_length: number;
  write_token: string | null;
}

/**
 * Conversations in SQLite: the record without its transcript in `conversations`, one row per transcript
 * line in `conversation_transcript`. A save is one transaction: the version-checked row update (a stale
 * writer changes nothing) and the lines past the stored ones, so its cost does not grow with the
 * conversation. When the saved transcript is shorter than the stored one or an older line differs, the
 * lines from the first difference on are rewritten. The lines this process last read or wrote are kept
 * in memory under the row's write token, so neither `get` nor `save` re-reads them while no one else
 * has written the conversation. A turn's `saveState` touches no stored line: it updates the row (checking
 * the version and the line count) and inserts the turn's lines. State saves are committed in groups: those
 * made in one turn of the event loop share one transaction (a commit costs more than the writes), each in its
 * own savepoint so a conflict fails only its own, and each promise settles only after the commit, so nothing
 * acknowledged is lost on kill -9. Expired rows count as absent everywhere.
 */
export function createEmbeddedConversationStore(db: Database.Database, clock: Clock): ConversationStore & { purgeExpired(): number; commitPending(): void } {
  const selectLive = db.prepare<[string, number], LiveRow>(
    'SELECT data, write_token FROM conversations WHERE id = ? AND (expires_at IS NULL OR expires_at > ?)');
  const selectLiveState = db.prepare<[string, number], LiveState>(
    'SELECT version, transcript_length, write_token FROM conversations WHERE id = ? AND (expires_at IS NULL OR expires_at > ?)');
  const selectState = db.prepare<[string, number], StateRow>(
    'SELECT data, transcript_length FROM conversations WHERE id = ? AND (expires_at IS NULL OR expires_at > ?)');
  const selectTranscript = db.prepare<[string], string>(
    'SELECT entry FROM conversation_transcript WHERE conversation_id = ? ORDER BY seq').pluck();
  // Version 1 creates; it may replace only a row whose TTL has passed (a returning customer starts fresh).
  const create = db.prepare(
    `INSERT INTO conversations (id, version, updated_at, expires_at, data, transcript_length, write_token)
     VALUES (@id, @version, @updatedAt, @expiresAt, @data, @length, @token)
     ON CONFLICT (id) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at,
       expires_at = excluded.expires_at, data = excluded.data, transcript_length = excluded.transcript_length,
       write_token = excluded.write_token
     WHERE conversations.expires_at IS NOT NULL AND conversations.expires_at <= @now`);
  const update = db.prepare(
    `UPDATE conversations SET version = @version, updated_at = @updatedAt, expires_at = @expiresAt, data = @data,
       transcript_length = @length, write_token = @token
     WHERE id = @id AND version = @version - 1 AND (expires_at IS NULL OR expires_at > @now)`);
  const updateState = db.prepare(
    `UPDATE conversations SET version = @version, updated_at = @updatedAt, expires_at = @expiresAt, data = @data,
       transcript_length = @length, write_token = @token
     WHERE id = @id AND version = @version - 1 AND transcript_length = @stored AND (expires_at IS NULL OR expires_at > @now)`);
  const deleteLinesFrom = db.prepare<[string, number]>('DELETE FROM conversation_transcript WHERE conversation_id = ? AND seq >= ?');
  const insertLine = db.prepare<[string, number, string]>('INSERT INTO conversation_transcript (conversation_id, seq, entry) VALUES (?, ?, ?)');
  // The conversations_delete_transcript trigger deletes the lines with the row (here and in the purge).
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
  const cache = createTranscriptCache();
  const nextToken = createWriteTokens();

  const storedLines = (id: string): StoredLines => {
    const lines = emptyLines();
    selectTranscript.all(id).forEach((json, index) => pushLine(lines, parseStored<StoredEntry>(json, `transcript line ${index} of conversation ${id}`)));
    return lines;
  };

  /** The stored lines of a live row: from memory when its write token says they are current. */
  const linesOf = (id: string, token: string | null): StoredLines => {
    const cached = token === null ? undefined : cache.get(id);
    if (cached && cached.token === token) return cached.lines;
    const lines = storedLines(id);
    if (token !== null) cache.set(id, token, lines);
    return lines;
  };

  const assemble = (id: string, row: LiveRow, lines: StoredLines): ConversationRecord => {
    const record = parseStored<ConversationRecord>(row.data, `conversation ${id}`);
    record.transcript = copyLines(lines) as ConversationRecord['transcript'];
    return record;
  };
  // Row and lines from one snapshot, so a writer in another process cannot slip in between.
  const readBoth = db.transaction((id: string, now: number): ConversationRecord | undefined => {
    const row = selectLive.get(id, now);
    return row === undefined ? undefined : assemble(id, row, linesOf(id, row.write_token));
  });
  const read = (id: string, now: number): ConversationRecord | undefined => {
    // The common case, lines held for the row's write token: one statement, no transaction needed.
    const cached = cache.get(id);
    if (cached) {
      const row = selectLive.get(id, now);
      if (row === undefined) return undefined;
      if (row.write_token === cached.token) return assemble(id, row, cached.lines);
    }
    return readBoth(id, now);
  };

  const write = db.transaction((record: ConversationRecord, ttlMs: number | undefined, now: number): { token: string; lines: StoredLines } => {
    const state = selectLiveState.get(record.id, now);
    const exists = state !== undefined;
    if (record.version === 1 ? exists : state?.version !== record.version - 1) {
      throw new VersionConflictError(record.id, record.version - 1, state?.version);
    }
    // A new conversation (perhaps over an expired row) starts with no lines; otherwise keep the equal prefix.
    const stored = exists ? linesOf(record.id, state.write_token) : emptyLines();
    const keep = exists ? sharedPrefix(record.transcript, stored) : 0;
    const added: string[] = [];
    for (let index = keep; index < record.transcript.length; index += 1) added.push(entryJson(record.transcript[index], record.id, index));
    const token = nextToken();
    const row = {
      id: record.id, version: record.version, updatedAt: record.updatedAt, now,
      expiresAt: ttlMs === undefined ? null : now + ttlMs,
      data: recordJsonWithoutTranscript(record), length: record.transcript.length, token,
    };
    if (ttlMs !== undefined && ttlMs > maxTtlMs) writeMaxTtl.run(ttlMs);
    if ((record.version === 1 ? create : update).run(row).changes === 0) {
      throw new VersionConflictError(record.id, record.version - 1, state?.version);
    }
    // Version 1 may replace an expired row whose lines are still there.
    if (record.version === 1 || keep < (state?.transcript_length ?? 0)) deleteLinesFrom.run(record.id, keep);
    added.forEach((json, offset) => insertLine.run(record.id, keep + offset, json));
    const lines = headOf(stored, keep);
    for (const json of added) pushLine(lines, JSON.parse(json) as StoredEntry);
    return { token, lines };
  });

  const writeState = db.transaction((state: ConversationState, ttlMs: number | undefined, now: number): void => {
    const added = addedJson(state);
    const row = {
      id: state.id, version: state.version, updatedAt: state.updatedAt, now, stored: state.storedLines,
      expiresAt: ttlMs === undefined ? null : now + ttlMs,
      data: stateJson(state), length: state.storedLines + added.length, token: nextToken(),
    };
    if (ttlMs !== undefined && ttlMs > maxTtlMs) writeMaxTtl.run(ttlMs);
    if ((state.version === 1 ? create : updateState).run(row).changes === 0) {
      throw new VersionConflictError(state.id, state.version - 1, selectLiveState.get(state.id, now)?.version);
    }
    // Version 1 may replace an expired row whose lines are still there.
    if (state.version === 1) deleteLinesFrom.run(state.id, 0);
    added.forEach((json, offset) => insertLine.run(state.id, state.storedLines + offset, json));
  });

  interface PendingState {
    state: ConversationState;
    ttlMs: number | undefined;
    done: (error?: unknown) => void;
  }
  let pending: PendingState[] = [];
  const settle = (item: PendingState, error?: unknown): void => {
    if (error === undefined && item.ttlMs !== undefined && item.ttlMs > maxTtlMs) maxTtlMs = item.ttlMs;
    item.done(error);
  };
  const commitPending = (): void => {
    if (pending.length === 0) return;
    const group = pending;
    pending = [];
    const now = clock.now();
    // Alone in its tick (one conversation at a time): its own transaction, no savepoint.
    if (group.length === 1) {
      try {
        writeState.immediate(group[0].state, group[0].ttlMs, now);
      } catch (error) {
        settle(group[0], error);
        return;
      }
      settle(group[0]);
      return;
    }
    const failures = new Map<PendingState, unknown>();
    try {
      // writeState inside a transaction runs as a savepoint: a failed save leaves the others in the group.
      db.transaction(() => {
        for (const item of group) {
          try {
            writeState(item.state, item.ttlMs, now);
          } catch (error) {
            failures.set(item, error);
          }
        }
      }).immediate();
    } catch (error) {
      for (const item of group) item.done(error);
      return;
    }
    for (const item of group) settle(item, failures.get(item));
  };

  return {
    async getState(id) {
      assertId(id, 'conversation id');
      const row = selectState.get(id, clock.now());
      return row === undefined ? undefined : stateOf(parseStored<ConversationRecord>(row.data, `conversation ${id}`), row.transcript_length);
    },
    async saveState(state, options) {
      assertConversationState(state);
      const ttlMs = assertTtl(options);
      // The lines held for `get` belong to the version before; the next `get` reads them again.
      cache.delete(state.id);
      await new Promise<void>((resolve, reject) => {
        pending.push({ state, ttlMs, done: (error) => (error === undefined ? resolve() : reject(error)) });
        if (pending.length === 1) setImmediate(commitPending);
      });
    },
    commitPending,
    async get(id) {
      assertId(id, 'conversation id');
      return read(id, clock.now());
    },
    async save(record, options) {
      assertConversationRecord(record);
      const ttlMs = assertTtl(options);
      const { token, lines } = write.immediate(record, ttlMs, clock.now());
      if (ttlMs !== undefined && ttlMs > maxTtlMs) maxTtlMs = ttlMs;
      cache.set(record.id, token, lines);
    },
    async delete(id) {
      assertId(id, 'conversation id');
      remove.run(id);
      cache.delete(id);
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
