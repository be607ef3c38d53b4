import type { ConversationLock } from '../../core/ports';
import { assertId } from './store-validation';

export interface LocalLockOptions {
  /** Lease when `withLock` is called without `ttlMs`. */
  defaultTtlMs?: number;
}

export const DEFAULT_LOCK_TTL_MS = 30_000;

/**
 * Per-conversation lock inside one process: waiters queue FIFO, so turns of a conversation run in
 * the order they arrived. A holder whose work has not finished after its lease (`ttlMs`) is presumed
 * stuck and the next waiter goes ahead; the conversation store's version check still rejects a late
 * write from the stuck holder. Single-node only: several server instances need the Redis lock.
 */
export function createLocalLock(options: LocalLockOptions = {}): ConversationLock {
  const defaultTtlMs = options.defaultTtlMs ?? DEFAULT_LOCK_TTL_MS;
  // Presence of an id = the lock is held; the array holds the waiters in arrival order.
  const queues = new Map<string, Array<() => void>>();

  function acquire(id: string): Promise<void> {
    const waiters = queues.get(id);
    if (!waiters) {
      queues.set(id, []);
      return Promise.resolve();
    }
    return new Promise((resolve) => waiters.push(resolve));
  }

  function handOver(id: string): void {
    const waiters = queues.get(id);
    if (!waiters) return;
    const next = waiters.shift();
    // Keep the entry while handing over so a caller arriving meanwhile queues behind `next`.
    if (next) next();
    else queues.delete(id);
  }

  return {
    async withLock<T>(conversationId: string, work: () => Promise<T>, lockOptions?: { ttlMs?: number }): Promise<T> {
      assertId(conversationId, 'conversation id');
      const ttlMs = lockOptions?.ttlMs ?? defaultTtlMs;
      await acquire(conversationId);
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        clearTimeout(lease);
        handOver(conversationId);
      };
      const lease = setTimeout(release, ttlMs);
      lease.unref();
      try {
        return await work();
      } finally {
        release();
      }
    },
  };
}
