import type { RedisClient } from './redis-script';

/** Listeners on one Redis pub/sub channel: what the bus and the bot-version pointer share. */
export interface RedisChannelListeners<T> {
  /** Adds a handler (subscribing on first use); resolves with the function that removes it. */
  subscribe(handler: (message: T) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * Subscribing needs its own connection (a subscribed connection cannot run other commands), duplicated from the
 * main client on first use. `parse` turns a raw message into T or undefined (dropped); a throwing handler does not
 * affect the others.
 */
export function listenOnRedisChannel<T>(client: RedisClient, channel: string, parse: (text: string) => T | undefined, onError: (error: Error) => void): RedisChannelListeners<T> {
  const handlers = new Set<(message: T) => void>();
  let subscriber: RedisClient | undefined;
  let subscribing: Promise<void> | undefined;

  const dispatch = (text: string): void => {
    const message = parse(text);
    if (message === undefined) return;
    for (const handler of [...handlers]) {
      try {
        handler(message);
      } catch {
        // A subscriber's own failure is its business.
      }
    }
  };

  return {
    async subscribe(handler) {
      handlers.add(handler);
      subscribing ??= (async () => {
        subscriber = client.duplicate();
        subscriber.on('error', onError);
        await subscriber.connect();
        await subscriber.subscribe(channel, dispatch);
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
