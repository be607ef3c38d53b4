import { EventEmitter } from 'node:events';
import type { MessageBus, OutboundMessage } from '../../core/services';
import { toStored } from './store-validation';

/**
 * In-process message bus for single-node deployments and tests. Messages are copied through JSON
 * (like the Redis bus) and delivered asynchronously, so a throwing subscriber never breaks the publisher.
 */
export function createLocalBus(): MessageBus {
  const emitter = new EventEmitter();
  // Web sockets subscribe one handler each; no leak warning for a busy single node.
  emitter.setMaxListeners(0);
  let closed = false;

  return {
    async publish(message: OutboundMessage): Promise<void> {
      if (closed) return;
      const text = toStored(message, 'outbound message');
      emitter.emit('message', text);
    },
    async subscribe(handler: (message: OutboundMessage) => void): Promise<() => Promise<void>> {
      const listener = (text: string): void => {
        queueMicrotask(() => {
          try {
            handler(JSON.parse(text) as OutboundMessage);
          } catch {
            // A subscriber's own failure is its business; other subscribers still get the message.
          }
        });
      };
      emitter.on('message', listener);
      return async () => {
        emitter.off('message', listener);
      };
    },
    async close(): Promise<void> {
      closed = true;
      emitter.removeAllListeners();
    },
  };
}
