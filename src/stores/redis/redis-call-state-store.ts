import { createClient } from 'redis';
import type { CallState, CallStateStore } from '../../channels/voice/call-state';

/** A call lasts minutes; a forgotten one disappears on its own after this. */
const CALL_TTL_MS = 4 * 3_600_000;

/**
 * Call state in Redis, so a Twilio webhook may land on any instance (the voice channel keeps nothing else
 * between requests). One key per call, written whole with an expiry.
 */
export async function createRedisCallStateStore(options: { url: string; keyPrefix?: string; onError?: (error: unknown) => void }): Promise<CallStateStore & { close(): Promise<void> }> {
  const client = createClient({ url: options.url, socket: { connectTimeout: 5000, reconnectStrategy: (retries) => Math.min(retries * 100, 2000) } });
  client.on('error', (error) => options.onError?.(error));
  await client.connect();
  const key = (callSid: string) => `${options.keyPrefix ?? 'aspa:'}call:${callSid}`;
  return {
    async get(callSid) {
      const json = await client.get(key(callSid));
      return json ? (JSON.parse(json) as CallState) : undefined;
    },
    async set(state) {
      await client.set(key(state.callSid), JSON.stringify(state), { PX: CALL_TTL_MS });
    },
    async delete(callSid) {
      await client.del(key(callSid));
    },
    async close() {
      await client.quit();
    },
  };
}
