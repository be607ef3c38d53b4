import { createClient } from 'redis';
import { systemClock, type Clock, type Stores } from '../../core/ports';
import { StoreError } from '../shared/store-errors';
import { createRedisAgentSessionStore, createRedisAttemptCounters } from './redis-agent-access';
import { createRedisBus } from './redis-bus';
import { createRedisConversationStore } from './redis-conversation-store';
import { createRedisCustomerStore } from './redis-customer-store';
import { createRedisEventLog } from './redis-event-log';
import { createRedisLock, type RedisLockOptions } from './redis-lock';
import { createRedisOutbox } from './redis-outbox';
import { createRedisTicketStore } from './redis-ticket-store';
import { createRedisVersionPointer } from './redis-version-pointer';
import type { RedisClient } from './redis-script';

export interface RedisStoresOptions extends RedisLockOptions {
  /** `redis://` or `rediss://` URL (REDIS_URL). */
  url: string;
  /** Prefix of every key and channel, so several deployments (or test runs) can share one Redis. */
  keyPrefix?: string;
  /** Redis expires keys by its own clock; this one sets agent sessions' expiry from their end time. */
  clock?: Clock;
  /** How long the first connection may take before start-up fails. */
  connectTimeoutMs?: number;
  /** Approximate cap on the analytics event stream (XADD MAXLEN ~). */
  maxEvents?: number;
  /** Connection errors after start-up (the client reconnects by itself); log them. */
  onError?: (error: Error) => void;
}

/**
 * Stores for production and several server instances, on node-redis 5. Every multi-key change is
 * one Lua script or MULTI, so instances never race each other; see the per-port files for the layout.
 * Keys (never scanned with KEYS): `<prefix>conv:<id>`, `conv:<id>:t`, `conv:recent`, `lock:<id>`, `ticket:*`,
 * `ticket-key:*`, `tickets:*`, `customer:*`, `customer-key:*`, `events`, `outbox:*`, `agent-session:*`, `attempts:*`, `bot:version`,
 * and the channels `<prefix>bus` and `<prefix>bot:version`.
 * Every script declares the keys it touches; a Redis Cluster would additionally need hash tags.
 */
export async function createRedisStores(options: RedisStoresOptions): Promise<Stores> {
  if (!options || typeof options.url !== 'string' || !/^rediss?:\/\//.test(options.url)) {
    throw new StoreError('INVALID_INPUT', 'createRedisStores needs url, a redis:// or rediss:// URL (REDIS_URL)');
  }
  const prefix = options.keyPrefix ?? 'aspa:';
  if (typeof prefix !== 'string' || prefix.length > 100 || /\s/.test(prefix)) {
    throw new StoreError('INVALID_INPUT', 'keyPrefix must be a string of at most 100 characters without spaces (e.g. "aspa:")');
  }
  const onError = options.onError ?? (() => undefined);
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;

  const client: RedisClient = createClient({
    url: options.url,
    socket: {
      connectTimeout: connectTimeoutMs,
      // Keep reconnecting after an outage, backing off up to 2 s; commands fail fast meanwhile.
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2000),
    },
    disableOfflineQueue: true,
  });
  // Without a listener node-redis would crash the process on the first connection error.
  client.on('error', onError);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${connectTimeoutMs} ms`)), connectTimeoutMs);
      }),
    ]);
  } catch (error) {
    client.destroy();
    throw new StoreError('STORE_UNAVAILABLE', `cannot connect to Redis at ${redactUrl(options.url)}: ${(error as Error).message}; ` +
      'check that Redis runs and REDIS_URL is right, or unset REDIS_URL to use the embedded store', { cause: error });
  } finally {
    clearTimeout(timer);
  }

  const bus = createRedisBus(client, prefix, onError);
  const botVersion = createRedisVersionPointer(client, prefix, onError);
  let closed = false;
  return {
    conversations: createRedisConversationStore(client, prefix),
    lock: createRedisLock(client, prefix, options),
    tickets: createRedisTicketStore(client, prefix),
    customers: createRedisCustomerStore(client, prefix),
    events: createRedisEventLog(client, prefix, options.maxEvents ?? 1_000_000),
    outbox: createRedisOutbox(client, prefix),
    agentSessions: createRedisAgentSessionStore(client, prefix, options.clock ?? systemClock),
    attempts: createRedisAttemptCounters(client, prefix),
    bus,
    botVersion,
    async close() {
      if (closed) return;
      closed = true;
      await bus.close();
      await botVersion.close();
      if (client.isOpen) await client.close();
    },
  };
}

/** The URL without its password, for error messages. */
function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
