import type { MessageBus, OutboundMessage } from '../../core/services';
import { toStored } from '../shared/store-validation';
import type { RedisClient } from './redis-script';

function isOutboundMessage(value: unknown): value is OutboundMessage {
  const message = value as Partial<OutboundMessage> | null;
  return typeof message === 'object' && message !== null && typeof message.conversationId === 'string' &&
    Array.isArray(message.replies) && typeof message.event === 'string';
}

/**
 * Pub/sub between server instances on one Redis channel. Subscribing needs its own connection (a
 * subscribed connection cannot run other commands), duplicated from the main client on first use.
 * Malformed messages on the channel are dropped; a throwing handler does not affect the others.
 */
export function createRedisBus(client: RedisClient, prefix: string, onError: (error: Error) => void): MessageBus {
  const channel = `${prefix}bus`;
  const handlers = new Set<(message: OutboundMessage) => void>();
  let subscriber: RedisClient | undefined;
  let subscribing: Promise<void> | undefined;

  const dispatch = (text: string): void => {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (!isOutboundMessage(message)) return;
    for (const handler of [...handlers]) {
      try {
        handler(message);
      } catch {
        // A subscriber's own failure is its business.
      }
    }
  };

  const ensureSubscribed = (): Promise<void> => {
    subscribing ??= (async () => {
      subscriber = client.duplicate();
      subscriber.on('error', onError);
      await subscriber.connect();
      await subscriber.subscribe(channel, dispatch);
    })();
    return subscribing;
  };

  return {
    async publish(message) {
      await client.publish(channel, toStored(message, 'outbound message'));
    },
    async subscribe(handler) {
      handlers.add(handler);
      await ensureSubscribed();
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
