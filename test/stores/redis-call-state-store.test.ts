import { createClient } from 'redis';
import type { CallState } from '../../src/channels/voice/call-state';
import { createRedisCallStateStore } from '../../src/stores/redis/redis-call-state-store';

const redisUrl = process.env.REDIS_URL;
const describeRedis = redisUrl ? describe : describe.skip;
if (!redisUrl) console.log('Redis call-state test skipped: set REDIS_URL (e.g. redis://127.0.0.1:6379) to run it');

describeRedis('Redis call-state store', () => {
  it('shares a call between two instances and expires it', async () => {
    const keyPrefix = `aspa-test-calls-${process.pid}-${Date.now()}:`;
    const [a, b] = [await createRedisCallStateStore({ url: redisUrl as string, keyPrefix }), await createRedisCallStateStore({ url: redisUrl as string, keyPrefix })];
    const state: CallState = { callSid: `CA${'a'.repeat(32)}`, conversationId: 'c1', locale: 'fi', turn: 2, step: 3, noInputs: 0, lastPrompt: ['Hei'], menu: [], phase: 'bot', startedAt: 1, updatedAt: 2 };
    await a.set(state);
    expect(await b.get(state.callSid)).toEqual(state);
    const raw = createClient({ url: redisUrl });
    await raw.connect();
    expect(await raw.pTTL(`${keyPrefix}call:${state.callSid}`)).toBeGreaterThan(0);
    await b.delete(state.callSid);
    expect(await a.get(state.callSid)).toBeUndefined();
    await raw.quit();
    await a.close();
    await b.close();
  });
});
