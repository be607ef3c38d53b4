import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import type { Stores } from '../../src/core/ports';
import { createRedisStores } from '../../src/stores/redis/create-redis-stores';
import { createManualClock, describeStoresContract } from '../contracts/stores.contract';

const url = process.env.REDIS_URL;
// One prefix per run, and one per test inside it, so runs and tests never see each other's keys.
const runPrefix = `aspa-test:${randomUUID().slice(0, 8)}:`;
let testNumber = 0;
let currentPrefix = runPrefix;

if (!url) {
  // Visible in the jest output: the suite exists but needs a Redis.
  console.warn('redis stores contract skipped: set REDIS_URL=redis://127.0.0.1:6379 to run it');
  describe.skip('redis stores contract (skipped: set REDIS_URL=redis://127.0.0.1:6379 to run it)', () => {
    it('needs REDIS_URL', () => undefined);
  });
} else {
  afterAll(async () => {
    const client = createClient({ url });
    await client.connect();
    for await (const keys of client.scanIterator({ MATCH: `${runPrefix}*`, COUNT: 500 })) {
      if (keys.length > 0) await client.del(keys);
    }
    await client.close();
  });

  describeStoresContract('redis', async (clock) => {
    testNumber += 1;
    currentPrefix = `${runPrefix}${testNumber}:`;
    return createRedisStores({ url, keyPrefix: currentPrefix, clock, maxWaitMs: 10_000 });
  }, {
    ttlFollowsClock: false,
    fifoLock: false,
    // A second instance on the same Redis and prefix: another server process.
    makePeer: (clock) => createRedisStores({ url, keyPrefix: currentPrefix, clock, maxWaitMs: 10_000 }),
  });

  describe('redis stores', () => {
    let stores: Stores;
    let raw: ReturnType<typeof createClient>;
    const prefix = `${runPrefix}extra:`;

    beforeAll(async () => {
      stores = await createRedisStores({ url, keyPrefix: prefix });
      raw = createClient({ url });
      await raw.connect();
    });
    afterAll(async () => {
      await stores.close();
      await raw.close();
    });

    it('sets a Redis expiry on a conversation saved with a TTL, and clears it without one', async () => {
      const clock = createManualClock();
      const record = {
        id: 'ttl', version: 1, createdAt: clock.now(), updatedAt: clock.now(), channel: 'web' as const, locale: 'fi' as const,
        status: 'active' as const, snapshot: null, state: 'main.start', slots: {}, transcript: [], processed: [], misunderstood: 0,
      };
      await stores.conversations.save({ ...record, transcript: [{ at: 1, from: 'customer', text: 'hei' }] }, { ttlMs: 60_000 });
      for (const key of [`${prefix}conv:ttl`, `${prefix}conv:ttl:t`]) {
        const ttl = await raw.pTTL(key);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(60_000);
      }
      await stores.conversations.save({ ...record, version: 2, transcript: [{ at: 1, from: 'customer', text: 'hei' }, { at: 2, from: 'bot', text: 'moi' }] });
      expect(await raw.pTTL(`${prefix}conv:ttl`)).toBe(-1);
      expect(await raw.pTTL(`${prefix}conv:ttl:t`)).toBe(-1);
    });

    it('lets Redis expire agent sessions, login counters and ticket keys (bounded storage)', async () => {
      const now = Date.now();
      await stores.agentSessions.create({ id: 'exp', name: 'Liisa', roles: ['agent'], createdAt: now, expiresAt: now + 60_000 });
      await stores.attempts.add('login:ip:x', 1, 60_000);
      await stores.attempts.add('login:ip:x', 1, 60_000);
      await stores.tickets.reserveId('conv-x:1', 60_000);
      for (const key of [`${prefix}agent-session:exp`, `${prefix}attempts:login:ip:x`, `${prefix}ticket-key:conv-x:1`]) {
        const ttl = await raw.pTTL(key);
        expect([key, ttl > 0 && ttl <= 60_000]).toEqual([key, true]);
      }
      await stores.attempts.add('login:ip:x', -5, 60_000);
      expect(await raw.pTTL(`${prefix}attempts:login:ip:x`)).toBeGreaterThan(0);
    });

    it('keeps the transcript in a list next to the hash, pushes only new lines, and deletes both', async () => {
      const clock = createManualClock();
      const line = (text: string) => ({ at: clock.now(), from: 'customer' as const, text });
      const record = {
        id: 'list', version: 1, createdAt: clock.now(), updatedAt: clock.now(), channel: 'web' as const, locale: 'fi' as const,
        status: 'active' as const, snapshot: null, state: 'main.start', slots: {}, transcript: [line('a')], processed: [], misunderstood: 0,
      };
      await stores.conversations.save(record);
      await stores.conversations.save({ ...record, version: 2, transcript: [line('a'), line('b')] });
      expect(await raw.lRange(`${prefix}conv:list:t`, 0, -1)).toEqual([JSON.stringify(line('a')), JSON.stringify(line('b'))]);
      expect(JSON.parse(await raw.hGet(`${prefix}conv:list`, 'd') as string)).not.toHaveProperty('transcript');
      expect(await raw.hGet(`${prefix}conv:list`, 'n')).toBe('2');
      await stores.conversations.delete('list');
      expect(await raw.exists([`${prefix}conv:list`, `${prefix}conv:list:t`])).toBe(0);
    });

    it('reads a conversation saved with the transcript inside the hash, and moves it to the list on the next save', async () => {
      const clock = createManualClock();
      const record = {
        id: 'legacy', version: 3, createdAt: clock.now(), updatedAt: clock.now(), channel: 'web' as const, locale: 'fi' as const,
        status: 'active' as const, snapshot: { value: 'x' }, state: 'main.start', slots: { a: 1 },
        transcript: [{ at: 1, from: 'customer' as const, text: 'vanha 😀' }], processed: [], misunderstood: 0,
      };
      await raw.hSet(`${prefix}conv:legacy`, { v: '3', d: JSON.stringify(record) });
      expect(await stores.conversations.get('legacy')).toEqual(record);
      const next = { ...record, version: 4, transcript: [...record.transcript, { at: 2, from: 'bot' as const, text: 'uusi' }] };
      await stores.conversations.save(next);
      expect(await stores.conversations.get('legacy')).toEqual(next);
      expect(await raw.lLen(`${prefix}conv:legacy:t`)).toBe(2);
      expect(JSON.parse(await raw.hGet(`${prefix}conv:legacy`, 'd') as string)).not.toHaveProperty('transcript');
    });

    it('takes a turn\'s state save on a conversation with the transcript inside the hash, moving its lines to the list', async () => {
      const clock = createManualClock();
      const record = {
        id: 'legacy-state', version: 3, createdAt: clock.now(), updatedAt: clock.now(), channel: 'web' as const, locale: 'fi' as const,
        status: 'active' as const, snapshot: { value: 'x' }, state: 'main.start', slots: { a: 1 },
        transcript: [{ at: 1, from: 'customer' as const, text: 'vanha 😀' }], processed: [], misunderstood: 0,
      };
      await raw.hSet(`${prefix}conv:legacy-state`, { v: '3', d: JSON.stringify(record) });
      const state = await stores.conversations.getState('legacy-state');
      const { transcript, ...fields } = record;
      expect(state).toEqual({ ...fields, storedLines: 1, added: [] });
      const added = { at: 2, from: 'bot' as const, text: 'uusi' };
      await stores.conversations.saveState({ ...fields, version: 4, storedLines: 1, added: [added] });
      expect(await stores.conversations.get('legacy-state')).toEqual({ ...record, version: 4, transcript: [...transcript, added] });
      expect(await raw.lLen(`${prefix}conv:legacy-state:t`)).toBe(2);
      expect(await stores.conversations.getState('legacy-state')).toEqual({ ...fields, version: 4, storedLines: 2, added: [] });
    });

    it('reloads its Lua scripts after the server lost them (restart, SCRIPT FLUSH)', async () => {
      const clock = createManualClock();
      const record = {
        id: 'flush', version: 1, createdAt: clock.now(), updatedAt: clock.now(), channel: 'web' as const, locale: 'fi' as const,
        status: 'active' as const, snapshot: null, state: 'main.start', slots: {}, transcript: [], processed: [], misunderstood: 0,
      };
      await stores.conversations.save(record);
      await raw.scriptFlush();
      await stores.conversations.save({ ...record, version: 2 });
      expect((await stores.conversations.get('flush'))?.version).toBe(2);
    });

    it('holds a lock as a key with a lease, and fails clearly when it cannot get it in time', async () => {
      await raw.set(`${prefix}lock:held`, 'someone-else', { PX: 60_000 });
      const impatient = await createRedisStores({ url, keyPrefix: prefix, maxWaitMs: 50 });
      await expect(impatient.lock.withLock('held', async () => 'never')).rejects.toThrow(/conversation held is busy/);
      await impatient.close();
      await stores.lock.withLock('mine', async () => {
        expect(await raw.pTTL(`${prefix}lock:mine`)).toBeGreaterThan(0);
      });
      expect(await raw.exists(`${prefix}lock:mine`)).toBe(0);
    });

    it('reports an unreachable Redis clearly instead of hanging', async () => {
      await expect(createRedisStores({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 300 })).rejects.toThrow(/cannot connect to Redis at redis:\/\/127\.0\.0\.1:1/);
      await expect(createRedisStores({ url: 'http://x' })).rejects.toThrow(/redis:\/\//);
    });

    it('ignores malformed messages on the bus channel', async () => {
      const received: string[] = [];
      const done = new Promise<void>((resolve) => {
        void stores.bus.subscribe((message) => { received.push(message.event); resolve(); });
      });
      await new Promise((resolve) => setImmediate(resolve));
      await stores.bus.subscribe(() => undefined);
      await raw.publish(`${prefix}bus`, 'not json');
      await raw.publish(`${prefix}bus`, JSON.stringify({ nope: true }));
      await stores.bus.publish({ conversationId: 'c', replies: [], event: 'closed', at: 1 });
      await done;
      expect(received).toEqual(['closed']);
    });
  });
}
