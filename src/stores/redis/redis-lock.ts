import { randomUUID } from 'node:crypto';
import type { ConversationLock } from '../../core/ports';
import { createLocalLock, DEFAULT_LOCK_TTL_MS } from '../shared/create-local-lock';
import { LockTimeoutError } from '../shared/store-errors';
import { assertId } from '../shared/store-validation';
import { defineRedisScript, type RedisClient } from './redis-script';

export interface RedisLockOptions {
  /** Lease when `withLock` is called without `ttlMs`. */
  defaultTtlMs?: number;
  /** How long a turn waits for a lock held elsewhere before failing with `LockTimeoutError`. */
  maxWaitMs?: number;
}

export const DEFAULT_LOCK_WAIT_MS = 30_000;

/** Deletes the lock only if we still hold it: after our lease expired it may be someone else's. */
const RELEASE = defineRedisScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Lock across server instances: `SET key token NX PX ttl`, released by compare-and-delete. Inside one
 * instance contenders first queue FIFO in process, so only one of them polls Redis; instances poll
 * with a short jittered backoff up to `maxWaitMs`. A holder that dies loses the lock when its lease ends.
 */
export function createRedisLock(client: RedisClient, prefix: string, options: RedisLockOptions = {}): ConversationLock {
  const defaultTtlMs = options.defaultTtlMs ?? DEFAULT_LOCK_TTL_MS;
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_LOCK_WAIT_MS;
  const local = createLocalLock();

  async function acquire(key: string, token: string, ttlMs: number, conversationId: string): Promise<void> {
    const started = Date.now();
    let delay = 5;
    for (;;) {
      if ((await client.set(key, token, { NX: true, PX: ttlMs })) !== null) return;
      const waited = Date.now() - started;
      if (waited >= maxWaitMs) throw new LockTimeoutError(conversationId, waited);
      await sleep(Math.min(delay * (0.5 + Math.random()), maxWaitMs - waited));
      delay = Math.min(delay * 2, 100);
    }
  }

  return {
    async withLock<T>(conversationId: string, work: () => Promise<T>, lockOptions?: { ttlMs?: number }): Promise<T> {
      assertId(conversationId, 'conversation id');
      const ttlMs = Math.max(1, Math.ceil(lockOptions?.ttlMs ?? defaultTtlMs));
      const key = `${prefix}lock:${conversationId}`;
      // The local lease covers the wait for Redis too, so a stuck local holder cannot block its queue forever.
      return local.withLock(conversationId, async () => {
        const token = randomUUID();
        await acquire(key, token, ttlMs, conversationId);
        try {
          return await work();
        } finally {
          // A failed release only delays the next turn until the lease expires.
          await RELEASE.run(client, [key], [token]).catch(() => undefined);
        }
      }, { ttlMs: ttlMs + maxWaitMs });
    },
  };
}
