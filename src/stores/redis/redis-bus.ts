import type { MessageBus, OutboundMessage } from '../../core/services';
import { toStored } from '../shared/store-validation';
import { listenOnRedisChannel } from './redis-channel';
import type { RedisClient } from './redis-script';

function isOutboundMessage(value: unknown): value is OutboundMessage {
  const message = value as Partial<OutboundMessage> | null;
  return typeof message === 'object' && message !== null && typeof message.conversationId === 'string' &&
    Array.isArray(message.replies) && typeof message.event === 'string';
}

function parseOutboundMessage(text: string): OutboundMessage | undefined {
  try {
    const message: unknown = JSON.parse(text);
    return isOutboundMessage(message) ? message : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Pub/sub between server instances on one Redis channel (its own subscriber connection, see redis-channel.ts).
 * Malformed messages on the channel are dropped.
 */
export function createRedisBus(client: RedisClient, prefix: string, onError: (error: Error) => void): MessageBus {
  const channel = `${prefix}bus`;
  const listeners = listenOnRedisChannel(client, channel, parseOutboundMessage, onError);
  return {
    async publish(message) {
      await client.publish(channel, toStored(message, 'outbound message'));
    },
    subscribe: (handler) => listeners.subscribe(handler),
    close: () => listeners.close(),
  };
}
