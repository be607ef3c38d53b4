import { createClient } from 'redis';
import { createEngine, type Engine } from '../../src/core/engine';
import { silentLogger } from '../../src/core/logger';
import type { Stores } from '../../src/core/ports';
import type { ReplyMessage } from '../../src/core/reply';
import { createHandoffService } from '../../src/handoff/create-handoff-service';
import { createRedisStores } from '../../src/stores/redis/create-redis-stores';
import { loadMiniBot } from '../support/mini-bot';
import { startTestServer } from '../support/start-test-server';

const redisUrl = process.env.REDIS_URL;
const describeRedis = redisUrl ? describe : describe.skip;
if (!redisUrl) console.log('multi-instance test skipped: set REDIS_URL (e.g. redis://127.0.0.1:6379) to run it');

/** Two engines = two server instances sharing one Redis. */
describeRedis('two instances on one Redis', () => {
  const prefix = `aspa-test-multi-${process.pid}-${Date.now()}:`;
  const loaded = loadMiniBot();
  let stores: Stores[] = [];
  let engines: Engine[] = [];

  beforeAll(async () => {
    stores = [await createRedisStores({ url: redisUrl as string, keyPrefix: prefix }), await createRedisStores({ url: redisUrl as string, keyPrefix: prefix })];
    engines = stores.map((s) => createEngine({
      bot: loaded.bot, catalog: loaded.catalog, nlu: loaded.nlu, stores: s, logger: silentLogger, clock: { now: () => Date.now() },
      handoff: createHandoffService({ tickets: s.tickets, customers: s.customers, outbox: s.outbox, clock: { now: () => Date.now() }, hours: { weekly: { mon: ['00:00-24:00'], tue: ['00:00-24:00'], wed: ['00:00-24:00'], thu: ['00:00-24:00'], fri: ['00:00-24:00'], sat: ['00:00-24:00'], sun: ['00:00-24:00'] }, finnishHolidays: false }, routing: {}, sinks: {} }),
      integrations: { 'orders.lookup': async () => ({ outcome: 'found', result: { order_status_text: 'toimitettu' } }) },
      options: { locales: ['fi', 'en'] },
    }));
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    const client = createClient({ url: redisUrl });
    await client.connect();
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) if (keys.length) await client.del(keys);
    await client.quit();
  });

  it('serialises turns of one conversation arriving at both instances at once', async () => {
    const id = `multi-${Date.now()}`;
    await engines[0].handleTurn({ conversationId: id, channel: 'test', input: { kind: 'start' } });
    const [first, second] = await Promise.all([
      engines[0].handleTurn({ conversationId: id, channel: 'test', input: { kind: 'text', text: 'tilaus' } }),
      engines[1].handleTurn({ conversationId: id, channel: 'test', input: { kind: 'text', text: 'tilaus' } }),
    ]);
    const keys = [first, second].map((result) => result.replies.filter((r): r is ReplyMessage => r.kind === 'message').map((r) => r.key));
    // One asked for the number; the other then got the reprompt: never both the first question.
    expect(keys.flat().filter((key) => key === 'system.reprompt')).toHaveLength(1);
    const record = await engines[1].getConversation(id);
    expect(record?.transcript.filter((e) => e.from === 'customer')).toHaveLength(2);
    expect(record?.version).toBe(3);
  });

  it('issues distinct ticket ids from both instances and delivers agent messages across them', async () => {
    const received: string[] = [];
    const unsubscribe = await stores[1].bus.subscribe((message) => received.push(message.event));
    const [a, b] = await Promise.all([
      engines[0].handleTurn({ conversationId: `t1-${Date.now()}`, channel: 'test', input: { kind: 'text', text: 'ihminen' } }),
      engines[1].handleTurn({ conversationId: `t2-${Date.now()}`, channel: 'test', input: { kind: 'text', text: 'ihminen' } }),
    ]);
    expect(a.ticketId).toMatch(/^ASPA-\d{6}$/);
    expect(a.ticketId).not.toBe(b.ticketId);
    await engines[0].agentJoin(a.conversationId, 'Liisa');
    await engines[0].agentSay(a.conversationId, 'Liisa', 'Hei!');
    // The bus is asynchronous across connections: wait for the publish to arrive (bounded, no fixed sleep).
    const deadline = Date.now() + 5000;
    while (received.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(received).toEqual(['agent_joined', 'agent_message']);
    await unsubscribe();
  });

  it('agent access holds across two servers: a logout on one refuses the cookie on the other, one of two claims wins', async () => {
    const clock = { now: () => Date.now() };
    const servers = await Promise.all(stores.map((s) => startTestServer({ stores: s, clock, loaded })));
    try {
      const [a, b] = servers.map((server) => server.base);
      const login = async (base: string, name: string) => {
        const res = await fetch(`${base}/api/agent/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name, password: 'agent-secret-token' }) });
        expect(res.status).toBe(200);
        return (res.headers.get('set-cookie') ?? '').split(';')[0];
      };
      const post = (base: string, path: string, cookie: string) => fetch(`${base}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: cookie }, body: '{}' });
      const me = async (base: string, cookie: string) => (await fetch(`${base}/api/agent/me`, { headers: { Cookie: cookie } })).status;

      const liisa = await login(a, 'Liisa');
      expect(await me(b, liisa)).toBe(200);
      expect((await post(b, '/api/agent/logout', liisa)).status).toBe(200);
      expect(await me(a, liisa)).toBe(401);

      const handoff = await engines[0].handleTurn({ conversationId: `claim-${Date.now()}`, channel: 'test', input: { kind: 'text', text: 'ihminen' } });
      const [maija, pekka] = [await login(a, 'Maija'), await login(b, 'Pekka')];
      const answers = await Promise.all([post(a, `/api/agent/tickets/${handoff.ticketId}/claim`, maija), post(b, `/api/agent/tickets/${handoff.ticketId}/claim`, pekka)]);
      expect(answers.map((res) => res.status).sort()).toEqual([200, 409]);
      const lost = (await answers.find((res) => res.status === 409)!.json()) as { agent: string };
      expect(lost.agent).toBe((await stores[1].tickets.get(handoff.ticketId!))?.agent);
    } finally {
      for (const server of servers) await server.aspa.close();
    }
  });
});
