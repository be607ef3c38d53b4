import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { systemClock, type Clock, type Stores } from '../../core/ports';
import { createLocalBus } from '../shared/create-local-bus';
import { createLocalVersionPointer } from '../shared/create-local-version-pointer';
import { createLocalLock, type LocalLockOptions } from '../shared/create-local-lock';
import { StoreError } from '../shared/store-errors';
import { createEmbeddedAgentSessionStore, createEmbeddedAttemptCounters } from './embedded-agent-access';
import { createEmbeddedConversationStore } from './embedded-conversation-store';
import { createEmbeddedCustomerStore } from './embedded-customer-store';
import { createEmbeddedEventLog } from './embedded-event-log';
import { createEmbeddedOutbox } from './embedded-outbox';
import { createEmbeddedTicketStore } from './embedded-ticket-store';
import { migrateEmbedded } from './embedded-migrations';

export interface EmbeddedStoresOptions extends LocalLockOptions {
  /** Folder for `aspa.db` (created when missing). */
  dataDir: string;
  clock?: Clock;
  /**
   * SQLite `synchronous` setting. NORMAL (default) survives a process crash or kill -9; FULL also
   * survives a power cut or kernel panic at the cost of an fsync per commit. See the note below.
   */
  synchronous?: 'NORMAL' | 'FULL';
  /** How often expired conversations, agent sessions, login counters and ticket keys and old delivered outbox items are deleted. */
  purgeIntervalMs?: number;
}

export const EMBEDDED_DB_FILE = 'aspa.db';

/**
 * The default stores: one SQLite file (`<dataDir>/aspa.db`) through better-sqlite3, no server needed.
 *
 * Durability: WAL mode with `synchronous=NORMAL`. A commit appends its pages to the WAL file with
 * write(2) before `run()` returns, so the data is in the operating system's page cache; killing the
 * process (kill -9, crash, OOM) cannot lose it, because the kernel still writes those pages out and
 * the next open replays the WAL. Only an OS crash or power loss can drop the last commits, and never
 * corrupts the file. `synchronous: 'FULL'` adds an fsync per commit for that case too.
 *
 * better-sqlite3 is synchronous; each call is a few microseconds with prepared statements, which is
 * cheaper than a thread hop, so the async port methods simply run them inline.
 *
 * The lock and the bus are in-process: one server instance per data folder. Several instances need
 * the Redis stores (`REDIS_URL`).
 */
export function createEmbeddedStores(options: EmbeddedStoresOptions): Stores {
  if (!options || typeof options.dataDir !== 'string' || options.dataDir.trim() === '') {
    throw new StoreError('INVALID_INPUT', 'createEmbeddedStores needs dataDir, the folder for aspa.db (ASPA_DATA_DIR)');
  }
  const clock = options.clock ?? systemClock;
  const file = join(options.dataDir, EMBEDDED_DB_FILE);
  let db: Database.Database;
  try {
    mkdirSync(options.dataDir, { recursive: true });
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
    // Another process (e.g. `aspa` CLI next to the server) may hold the write lock briefly.
    db.pragma('busy_timeout = 5000');
    // Checkpoints fsync; one per ~40 MB of WAL instead of SQLite's ~4 MB keeps that cost off most turns.
    db.pragma('wal_autocheckpoint = 10000');
    migrateEmbedded(db);
  } catch (error) {
    throw new StoreError('STORE_UNAVAILABLE', `cannot open the embedded store ${file}: ${(error as Error).message}; check that ASPA_DATA_DIR is a writable folder`, { cause: error });
  }

  const conversations = createEmbeddedConversationStore(db, clock);
  const outbox = createEmbeddedOutbox(db, clock);
  const tickets = createEmbeddedTicketStore(db, clock);
  const agentSessions = createEmbeddedAgentSessionStore(db, clock);
  const attempts = createEmbeddedAttemptCounters(db, clock);
  const bus = createLocalBus();
  const purge = (): void => {
    if (!db.open) return;
    conversations.purgeExpired();
    outbox.purgeDelivered();
    tickets.purgeExpired();
    agentSessions.purgeExpired();
    attempts.purgeExpired();
  };
  purge();
  // unref: the purge timer alone must not keep a CLI or a test process alive.
  const timer = setInterval(purge, options.purgeIntervalMs ?? 60_000);
  timer.unref();

  return {
    conversations,
    lock: createLocalLock(options),
    tickets,
    customers: createEmbeddedCustomerStore(db),
    events: createEmbeddedEventLog(db),
    outbox,
    agentSessions,
    attempts,
    bus,
    botVersion: createLocalVersionPointer(),
    async close() {
      clearInterval(timer);
      await bus.close();
      // State saves waiting for their group commit are written, not dropped.
      if (db.open) conversations.commitPending();
      if (db.open) db.close();
    },
  };
}
