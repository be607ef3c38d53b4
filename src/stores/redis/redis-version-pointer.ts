import type { BotVersionPointer } from '../../core/ports';
import { assertBotVersionId, BOT_VERSION_ID } from '../shared/create-local-version-pointer';
import type { RedisClient } from './redis-script';

export interface RedisVersionPointer extends BotVersionPointer {
  close(): Promise<void>;
}

/**
 * The current bot version of every instance: the key `<prefix>bot:version` holds it and the channel of the same
 * name announces changes (SET and PUBLISH in one MULTI, so a reader that hears the announcement finds the key
 * already set). An instance that missed an announcement (a reconnect) catches up by reading the key.
 */
export function createRedisVersionPointer(client: RedisClient, prefix: string, onError: (error: Error) => void): RedisVersionPointer {
  const key = `${prefix}bot:version`;
  const handlers = new Set<(id: string) => void>();
  let subscriber: RedisClient | undefined;
  let subscribing: Promise<void> | undefined;

  const dispatch = (id: string): void => {
    if (!BOT_VERSION_ID.test(id)) return;
    for (const handler of [...handlers]) {
      try {
        handler(id);
      } catch {
        // A subscriber's own failure is its business.
      }
    }
  };

  return {
    async get() {
      const id = await client.get(key);
      return typeof id === 'string' && BOT_VERSION_ID.test(id) ? id : undefined;
    },
    async set(id) {
      assertBotVersionId(id);
      await client.multi().set(key, id).publish(key, id).exec();
    },
    async subscribe(handler) {
      handlers.add(handler);
      subscribing ??= (async () => {
        subscriber = client.duplicate();
        subscriber.on('error', onError);
        await subscriber.connect();
        await subscriber.subscribe(key, dispatch);
      })();
      await subscribing;
      return async () => {
        handlers.delete(handler);
      };
    },
    async close() {
      handlers.clear();
      if (subscribing) await subscribing.catch(() => undefined);
      if (subscriber?.isOpen) await subscriber.close();
    },
  };
}
