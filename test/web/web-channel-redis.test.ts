import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { createRedisStores } from '../../src/stores/redis/create-redis-stores';
import { AGENT_TOKEN, openSocket, startWebServer, type TestServer } from './support/start-web-server';

const url = process.env.REDIS_URL;
const prefix = `aspa-test-web:${randomUUID().slice(0, 8)}:`;

if (!url) {
  console.warn('web channel over Redis skipped: set REDIS_URL=redis://127.0.0.1:6379 to run it');
  describe.skip('web channel over Redis (skipped: set REDIS_URL=redis://127.0.0.1:6379 to run it)', () => {
    it('needs REDIS_URL', () => undefined);
  });
} else {
  describe('web channel on two server instances sharing Redis', () => {
    let a: TestServer;
    let b: TestServer;
    const clock = { now: () => Date.now() };

    beforeAll(async () => {
      a = await startWebServer({ clock, stores: await createRedisStores({ url, keyPrefix: prefix, clock }) });
      b = await startWebServer({ clock, stores: await createRedisStores({ url, keyPrefix: prefix, clock }) });
    });

    afterAll(async () => {
      await a?.close();
      await b?.close();
      const client = createClient({ url });
      await client.connect();
      for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
        if (keys.length > 0) await client.del(keys);
      }
      await client.close();
    });

    it('an agent on instance B reaches the customer whose socket is on instance A', async () => {
      const started = (await (await fetch(`${a.baseUrl}/api/web/conversations`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).json()) as { conversationId: string; token: string };
      const customer = await openSocket(`${a.wsUrl}/ws?conversationId=${started.conversationId}&token=${started.token}`);
      customer.send({ type: 'payload', payload: 'human_agent', text: 'Puhu ihmiselle', clientMessageId: 'redis0001' });
      const handoff = await customer.next((m) => m.type === 'replies');
      const ticketId = (handoff.replies as { kind: string; ticketId?: string }[]).find((r) => r.kind === 'handoff')?.ticketId;
      expect(ticketId).toBeDefined();

      // The token works on the other instance too: the conversation lives in Redis.
      expect((await fetch(`${b.baseUrl}/api/web/conversations/${started.conversationId}/transcript?token=${started.token}`)).status).toBe(200);

      const login = await fetch(`${b.baseUrl}/api/agent/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'Maija', password: AGENT_TOKEN }) });
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
      const post = (path: string, body: unknown = {}) => fetch(`${b.baseUrl}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: cookie }, body: JSON.stringify(body) });
      expect((await post(`/api/agent/tickets/${ticketId}/claim`)).status).toBe(200);
      expect(await customer.next((m) => m.type === 'agent')).toMatchObject({ event: 'agent_joined', agentName: 'Maija' });
      expect((await post(`/api/agent/tickets/${ticketId}/messages`, { text: 'Hei toiselta palvelimelta!' })).status).toBe(200);
      expect(await customer.next((m) => m.type === 'agent')).toMatchObject({ event: 'agent_message', replies: [{ text: 'Hei toiselta palvelimelta!', from: 'agent' }] });
      customer.close();
    });

    it('a logout on one instance refuses the cookie on the other at once, and login guesses are counted together', async () => {
      const login = async (server: TestServer, name: string, password: string) => {
        const res = await fetch(`${server.baseUrl}/api/agent/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name, password }) });
        return { status: res.status, cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] };
      };
      const me = async (server: TestServer, cookie: string) => (await fetch(`${server.baseUrl}/api/agent/me`, { headers: { Cookie: cookie } })).status;
      const { cookie } = await login(a, 'Liisa', AGENT_TOKEN);
      expect(await me(a, cookie)).toBe(200);
      expect(await me(b, cookie)).toBe(200);
      const out = await fetch(`${a.baseUrl}/api/agent/logout`, { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: cookie }, body: '{}' });
      expect(out.status).toBe(200);
      expect(await me(b, cookie)).toBe(401);
      expect(await me(a, cookie)).toBe(401);

      for (let i = 0; i < 5; i++) {
        expect((await login(a, 'Ville', `wrong-a-${i}`)).status).toBe(401);
        expect((await login(b, 'Ville', `wrong-b-${i}`)).status).toBe(401);
      }
      expect((await login(b, 'Ville', AGENT_TOKEN)).status).toBe(429);
      expect((await login(a, 'Ville', AGENT_TOKEN)).status).toBe(429);
      expect((await login(a, 'Kaisa', AGENT_TOKEN)).status).toBe(200);
    });
  });
}
