import type { BotVersionPointer } from '../../core/ports';
import { StoreError } from './store-errors';

/** Bot version ids are content hashes; anything else on the pointer is a bug or an attack. */
export const BOT_VERSION_ID = /^[a-z0-9_-]{1,64}$/;

export function assertBotVersionId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !BOT_VERSION_ID.test(id)) {
    throw new StoreError('INVALID_INPUT', 'a bot version id is 1–64 characters of a-z, 0-9, _ and -');
  }
}

/**
 * The current bot version for one server instance (memory and embedded stores serve one instance; the
 * instance's own files are the truth at start-up, so nothing needs to survive a restart). Subscribers are
 * called asynchronously, as the Redis pointer calls them.
 */
export function createLocalVersionPointer(): BotVersionPointer {
  let current: string | undefined;
  const handlers = new Set<(id: string) => void>();
  return {
    async get() {
      return current;
    },
    async set(id) {
      assertBotVersionId(id);
      current = id;
      for (const handler of [...handlers]) {
        queueMicrotask(() => {
          try {
            handler(id);
          } catch {
            // A subscriber's own failure is its business.
          }
        });
      }
    },
    async subscribe(handler) {
      handlers.add(handler);
      return async () => {
        handlers.delete(handler);
      };
    },
  };
}
