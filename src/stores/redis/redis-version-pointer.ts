import type { BotVersionPointer } from '../../core/ports';
import { assertBotVersionId, BOT_VERSION_ID } from '../shared/create-local-version-pointer';
import { listenOnRedisChannel } from './redis-channel';
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
  const listeners = listenOnRedisChannel(client, key, (id) => (BOT_VERSION_ID.test(id) ? id : undefined), onError);

  return {
    async get() {
      const id = await client.get(key);
      return typeof id === 'string' && BOT_VERSION_ID.test(id) ? id : undefined;
    },
    async set(id) {
      assertBotVersionId(id);
      await client.multi().set(key, id).publish(key, id).exec();
    },
    subscribe: (handler) => listeners.subscribe(handler),
    close: () => listeners.close(),
  };
}
