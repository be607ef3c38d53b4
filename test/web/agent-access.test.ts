import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stores } from '../../src/core/ports';
import type { Ticket } from '../../src/core/ticket';
import { createEmbeddedStores } from '../../src/stores/embedded/create-embedded-stores';
import { createMemoryStores } from '../../src/stores/memory/create-memory-stores';
import { AGENT_TOKEN, openSocket, startWebServer, type TestServer } from './support/start-web-server';

/** Agent access that holds across instances and restarts (issue 11): sessions, login throttling, ticket claims. */

async function login(server: TestServer, name: string, password: string, from?: string): Promise<{ status: number; cookie?: string; setCookie?: string; body: Record<string, unknown> }> {
  const res = await fetch(`${server.baseUrl}/api/agent/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', ...(from ? { 'X-Forwarded-For': from } : {}) }, body: JSON.stringify({ name, password }),
  });
  const setCookie = res.headers.get('set-cookie') ?? undefined;
  return { status: res.status, setCookie, cookie: setCookie?.split(';')[0], body: (await res.json()) as Record<string, unknown> };
}

async function me(server: TestServer, cookie: string | undefined): Promise<number> {
  return (await fetch(`${server.baseUrl}/api/agent/me`, { headers: cookie ? { Cookie: cookie } : {} })).status;
}

function post(server: TestServer, path: string, cookie: string | undefined, body: unknown = {}) {
  return fetch(`${server.baseUrl}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...(cookie ? { Cookie: cookie } : {}) }, body: JSON.stringify(body) });
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('login throttling', () => {
  let now = Date.UTC(2026, 10, 24, 8);
  const clock = { now: () => now };
  const servers: TestServer[] = [];
  const start = async (options: Parameters<typeof startWebServer>[0] = {}) => {
    const server = await startWebServer({ clock, ...options });
    servers.push(server);
    return server;
  };
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });

  it('ten wrong guesses for one name lock that name only: another agent behind the same proxy address still logs in', async () => {
    const server = await start();
    for (let i = 0; i < 10; i++) expect((await login(server, 'Maija', `wrong-${i}`)).status).toBe(401);
    const locked = await login(server, 'Maija', AGENT_TOKEN);
    expect(locked.status).toBe(429);
    expect(locked.body.error).toBe('too_many_attempts');
    expect((await login(server, 'Pekka', AGENT_TOKEN)).status).toBe(200);
    expect((await login(server, 'maija', AGENT_TOKEN)).status).toBe(429);
    now += 15 * 60_000;
    expect((await login(server, 'Maija', AGENT_TOKEN)).status).toBe(200);
  });

  it('counts guesses in the store, so two instances together allow no more than one', async () => {
    const stores = createMemoryStores({ clock });
    const a = await start({ stores, keepStores: true });
    const b = await start({ stores });
    for (let i = 0; i < 5; i++) {
      expect((await login(a, 'Liisa', `wrong-a-${i}`)).status).toBe(401);
      expect((await login(b, 'Liisa', `wrong-b-${i}`)).status).toBe(401);
    }
    expect((await login(a, 'Liisa', AGENT_TOKEN)).status).toBe(429);
    expect((await login(b, 'Liisa', AGENT_TOKEN)).status).toBe(429);
  });

  it('the right password resets the name\'s count, not the address\'s', async () => {
    const server = await start({ trustProxy: 1 });
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 9; i++) expect((await login(server, 'Maija', `wrong-${round}-${i}`, '10.1.1.1')).status).toBe(401);
      expect((await login(server, 'Maija', AGENT_TOKEN, '10.1.1.1')).status).toBe(200);
    }
  });

  it('limits an address guessing across many names, and only that address', async () => {
    const server = await start({ trustProxy: 1 });
    for (let i = 0; i < 100; i++) expect((await login(server, `name-${i}`, 'wrong-password', '10.0.0.66')).status).toBe(401);
    const blocked = await login(server, 'Pekka', AGENT_TOKEN, '10.0.0.66');
    expect(blocked.status).toBe(429);
    expect(blocked.body.error).toBe('too_many_attempts');
    // The same name from another address is not locked: the address was, not the name.
    expect((await login(server, 'Pekka', AGENT_TOKEN, '10.0.0.7')).status).toBe(200);
    // IPv6 addresses count per /64: the next address of the same network is the same guesser.
    for (let i = 0; i < 100; i++) await login(server, `v6-${i}`, 'wrong-password', `2001:db8:1:2::${(i + 1).toString(16)}`);
    expect((await login(server, 'Pekka', AGENT_TOKEN, '2001:db8:1:2:ffff::1')).status).toBe(429);
    expect((await login(server, 'Pekka', AGENT_TOKEN, '2001:db8:1:3::1')).status).toBe(200);
  });

  it('a lock is never lifted by a flood of other addresses (no wholesale clearing)', async () => {
    const server = await start({ trustProxy: 1 });
    for (let i = 0; i < 10; i++) expect((await login(server, 'Maija', `wrong-${i}`, '10.2.0.1')).status).toBe(401);
    expect((await login(server, 'Maija', AGENT_TOKEN, '10.2.0.1')).status).toBe(429);
    const flood = Array.from({ length: 10_001 }, (_, i) => `10.3.${Math.floor(i / 250)}.${(i % 250) + 1}`);
    for (let i = 0; i < flood.length; i += 100) {
      await Promise.all(flood.slice(i, i + 100).map((address, j) => login(server, `flood-${i + j}`, 'wrong-password', address)));
    }
    expect((await login(server, 'Maija', AGENT_TOKEN, '10.2.0.1')).status).toBe(429);
  }, 120_000);
});

describe('agent sessions in the store', () => {
  it('a logout on one instance refuses the cookie on the other at once', async () => {
    const stores = createMemoryStores();
    const a = await startWebServer({ stores, keepStores: true });
    const b = await startWebServer({ stores });
    try {
      const { cookie } = await login(a, 'Maija', AGENT_TOKEN);
      expect(await me(a, cookie)).toBe(200);
      expect(await me(b, cookie)).toBe(200);
      expect((await post(b, '/api/agent/logout', cookie)).status).toBe(200);
      expect(await me(a, cookie)).toBe(401);
      expect(await me(b, cookie)).toBe(401);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('with AGENT_SESSION_SECRET the cookie is signed too, and a logout still reaches every instance', async () => {
    const stores = createMemoryStores();
    const config = { agentSessionSecret: 'shared-secret-of-the-deployment' };
    const a = await startWebServer({ stores, config, keepStores: true });
    const b = await startWebServer({ stores, config });
    const c = await startWebServer({ stores, config: { agentSessionSecret: 'another-secret-entirely-here' }, keepStores: true });
    try {
      const { cookie } = await login(a, 'Maija', AGENT_TOKEN);
      expect(await me(b, cookie)).toBe(200);
      expect(await me(c, cookie)).toBe(401);
      expect((await post(a, '/api/agent/logout', cookie)).status).toBe(200);
      expect(await me(b, cookie)).toBe(401);
      // Signed: <secret>.<HMAC>; the secret alone or with another MAC is refused before the store is asked.
      const again = (await login(a, 'Maija', AGENT_TOKEN)).cookie;
      expect(again).toMatch(/^aspa_agent=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
      const [secret] = again!.slice('aspa_agent='.length).split('.');
      expect(await me(b, again)).toBe(200);
      expect(await me(b, `aspa_agent=${secret}`)).toBe(401);
      expect(await me(b, `aspa_agent=${secret}.${'A'.repeat(43)}`)).toBe(401);
    } finally {
      await c.close();
      await a.close();
      await b.close();
    }
  });

  it('survive a restart on the embedded store, and so does a logout', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'aspa-agent-sessions-'));
    dirs.push(dataDir);
    const boot = () => startWebServer({ stores: createEmbeddedStores({ dataDir }) });
    let server = await boot();
    const { cookie } = await login(server, 'Maija', AGENT_TOKEN);
    await server.close();

    server = await boot();
    expect(await me(server, cookie)).toBe(200);
    expect((await post(server, '/api/agent/logout', cookie)).status).toBe(200);
    await server.close();

    server = await boot();
    try {
      expect(await me(server, cookie)).toBe(401);
      // Without AGENT_SESSION_SECRET the cookie is the secret alone: the store decides.
      expect(cookie).toMatch(/^aspa_agent=[A-Za-z0-9_-]{43}$/);
    } finally {
      await server.close();
    }
  });

  it('stores only a hash of the cookie\'s secret, and closes the live console of a session that logs out', async () => {
    const server = await startWebServer();
    try {
      const { cookie } = await login(server, 'Maija', AGENT_TOKEN);
      const secret = cookie!.slice('aspa_agent='.length);
      expect(await server.stores.agentSessions.get(secret)).toBeUndefined();
      const live = await openSocket(`${server.wsUrl}/agent/ws`, { Cookie: cookie! });
      expect(await live.next()).toEqual({ type: 'hello', name: 'Maija' });
      const closed = new Promise<number>((resolve) => live.ws.once('close', (code) => resolve(code)));
      expect((await post(server, '/api/agent/logout', cookie)).status).toBe(200);
      expect(await closed).toBe(4001);
    } finally {
      await server.close();
    }
  });
});

describe('ticket claims', () => {
  /** Memory stores whose ticket reads take a while, so two claims both read the open ticket before either writes. */
  function slowReads(): Stores {
    const stores = createMemoryStores();
    return { ...stores, tickets: { ...stores.tickets, get: async (id) => { const ticket = await stores.tickets.get(id); await new Promise((resolve) => setTimeout(resolve, 50)); return ticket; } } };
  }
  const openTicket = (id: string): Ticket => ({
    id, conversationId: `conv-${id}`, createdAt: 0, channel: 'web', locale: 'fi', reason: 'customer_request', priority: 'normal', queue: 'general',
    dueAt: 1000, contact: {}, summary: 's', slots: {}, transcript: [], history: [], status: 'open',
  });

  it('two agents claiming the same ticket at once: exactly one wins, the other gets 409 with who has it', async () => {
    const server = await startWebServer({ stores: slowReads() });
    try {
      await server.stores.tickets.create(openTicket('ASPA-000001'));
      const maija = (await login(server, 'Maija', AGENT_TOKEN)).cookie;
      const pekka = (await login(server, 'Pekka', AGENT_TOKEN)).cookie;
      const answers = await Promise.all([maija, pekka].map(async (cookie) => {
        const res = await post(server, '/api/agent/tickets/ASPA-000001/claim', cookie);
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      }));
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      const stored = await server.stores.tickets.get('ASPA-000001');
      const lost = answers.find((a) => a.status === 409)!;
      expect(lost.body).toMatchObject({ error: 'claimed_by_other', agent: stored?.agent });
      expect(String(lost.body.message)).toContain(String(stored?.agent));
      expect(stored?.status).toBe('claimed');
      // The winner claiming again is fine; closing by the loser is refused.
      const winner = stored?.agent === 'Maija' ? maija : pekka;
      const loser = winner === maija ? pekka : maija;
      expect((await post(server, '/api/agent/tickets/ASPA-000001/claim', winner)).status).toBe(200);
      expect((await post(server, '/api/agent/tickets/ASPA-000001/close', loser, { resolution: 'x' })).status).toBe(409);
    } finally {
      await server.close();
    }
  });

  it('a claim and a close racing on an open ticket: one of them, never both', async () => {
    const server = await startWebServer({ stores: slowReads() });
    try {
      await server.stores.tickets.create(openTicket('ASPA-000002'));
      const maija = (await login(server, 'Maija', AGENT_TOKEN)).cookie;
      const pekka = (await login(server, 'Pekka', AGENT_TOKEN)).cookie;
      const [claim, close] = await Promise.all([
        post(server, '/api/agent/tickets/ASPA-000002/claim', maija),
        post(server, '/api/agent/tickets/ASPA-000002/close', pekka, { resolution: 'Hoidettu puhelimessa.' }),
      ]);
      expect([claim.status, close.status].sort()).toEqual([200, 409]);
      const stored = await server.stores.tickets.get('ASPA-000002');
      expect(stored).toMatchObject(claim.status === 200 ? { status: 'claimed', agent: 'Maija' } : { status: 'closed', agent: 'Pekka' });
    } finally {
      await server.close();
    }
  });
});
