import { AGENT_TOKEN, openSocket, startWebServer, handshakeStatus, type TestServer } from './support/start-web-server';

const INJECTION = '<img src=x onerror=alert(1)><script>alert("x")</script>';

async function login(server: TestServer, name = 'Maija', password = AGENT_TOKEN): Promise<{ status: number; cookie?: string; setCookie?: string }> {
  const res = await fetch(`${server.baseUrl}/api/agent/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name, password }) });
  const setCookie = res.headers.get('set-cookie') ?? undefined;
  return { status: res.status, setCookie, cookie: setCookie?.split(';')[0] };
}

function agentPost(server: TestServer, path: string, cookie: string | undefined, body: unknown = {}, headers: Record<string, string> = {}) {
  return fetch(`${server.baseUrl}${path}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', ...(cookie ? { Cookie: cookie } : {}), ...headers }, body: JSON.stringify(body),
  });
}

describe('agent console', () => {
  let server: TestServer;
  beforeEach(async () => { server = await startWebServer(); });
  afterEach(async () => { await server.close(); });

  it('rejects every agent API route without a valid login', async () => {
    const routes: [string, string][] = [
      ['GET', '/api/agent/me'], ['GET', '/api/agent/tickets'], ['GET', '/api/agent/tickets/ASPA-000001'],
      ['POST', '/api/agent/logout'], ['POST', '/api/agent/tickets/ASPA-000001/claim'], ['POST', '/api/agent/tickets/ASPA-000001/messages'],
      ['POST', '/api/agent/tickets/ASPA-000001/release'], ['POST', '/api/agent/tickets/ASPA-000001/close'],
    ];
    for (const cookie of [undefined, 'aspa_agent=forged-session-id', 'other=1']) {
      for (const [method, path] of routes) {
        const res = await fetch(`${server.baseUrl}${path}`, {
          method, headers: { 'Content-Type': 'application/json', ...(cookie ? { Cookie: cookie } : {}) }, ...(method === 'POST' ? { body: '{"text":"x","resolution":"y"}' } : {}),
        });
        expect([method, path, cookie, res.status]).toEqual([method, path, cookie, 401]);
      }
    }
    // Pages send the browser to the login page; the live socket refuses.
    const page = await fetch(`${server.baseUrl}/agent/queue`, { redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/agent');
    expect(await handshakeStatus(`${server.wsUrl}/agent/ws`)).toBe(401);
    expect(await server.channel.isAgentRequest({ headers: {} } as never)).toBe(false);
  });

  it('logs in with the token, sets a strict HttpOnly cookie, and refuses wrong secrets and cross-site writes', async () => {
    expect((await login(server, 'Maija', 'wrong-token-wrong-token')).status).toBe(401);
    expect((await login(server, '', AGENT_TOKEN)).status).toBe(401);
    expect((await login(server, '<b>x</b>', AGENT_TOKEN)).status).toBe(401);
    const ok = await login(server);
    expect(ok.status).toBe(200);
    expect(ok.setCookie).toMatch(/HttpOnly/);
    expect(ok.setCookie).toMatch(/SameSite=Strict/);
    expect(ok.cookie).toMatch(/^aspa_agent=[A-Za-z0-9_-]{43}$/);
    expect(ok.setCookie).not.toMatch(/Secure/);
    expect(await server.channel.isAgentRequest({ headers: { cookie: ok.cookie } } as never)).toBe(true);

    const me = await fetch(`${server.baseUrl}/api/agent/me`, { headers: { Cookie: ok.cookie! } });
    expect(await me.json()).toEqual({ name: 'Maija', roles: ['agent', 'manager', 'designer'] });
    const crossSite = await agentPost(server, '/api/agent/logout', ok.cookie, {}, { Origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    const form = await fetch(`${server.baseUrl}/api/agent/logout`, { method: 'POST', headers: { Cookie: ok.cookie!, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'a=1' });
    expect(form.status).toBe(415);
    expect((await agentPost(server, '/api/agent/logout', ok.cookie)).status).toBe(200);
    expect((await fetch(`${server.baseUrl}/api/agent/me`, { headers: { Cookie: ok.cookie! } })).status).toBe(401);
  });

  it('claims, talks live to the widget (injection stays text), hands back to the bot, and closes with a note', async () => {
    const started = (await (await fetch(`${server.baseUrl}/api/web/conversations`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).json()) as { conversationId: string; token: string };
    const customer = await openSocket(`${server.wsUrl}/ws?conversationId=${started.conversationId}&token=${started.token}`);
    customer.send({ type: 'message', text: INJECTION, clientMessageId: 'cust00001' });
    await customer.next((m) => m.type === 'replies');
    customer.send({ type: 'payload', payload: 'human_agent', text: 'Puhu ihmiselle', clientMessageId: 'cust00002' });
    const handoff = await customer.next((m) => m.type === 'replies');
    const ticketId = (handoff.replies as { kind: string; ticketId?: string }[]).find((r) => r.kind === 'handoff')?.ticketId;
    expect(ticketId).toBe('ASPA-000001');

    const { cookie } = await login(server, 'Maija');
    const consoleSocket = await openSocket(`${server.wsUrl}/agent/ws`, { Cookie: cookie! });
    expect(await consoleSocket.next()).toEqual({ type: 'hello', name: 'Maija' });

    const queue = (await (await fetch(`${server.baseUrl}/api/agent/tickets`, { headers: { Cookie: cookie! } })).json()) as { tickets: { id: string; timeLeftMs: number; priority: string }[] };
    expect(queue.tickets).toEqual([expect.objectContaining({ id: ticketId, priority: 'normal' })]);
    expect(queue.tickets[0].timeLeftMs).toBeGreaterThan(0);

    // Messages need a claim first.
    expect((await agentPost(server, `/api/agent/tickets/${ticketId}/messages`, cookie, { text: 'hei' })).status).toBe(409);
    expect((await agentPost(server, `/api/agent/tickets/${ticketId}/claim`, cookie)).status).toBe(200);
    const joined = await customer.next((m) => m.type === 'agent');
    expect(joined).toMatchObject({ event: 'agent_joined', agentName: 'Maija' });

    // A second agent cannot take it over.
    const other = await login(server, 'Pekka');
    expect((await agentPost(server, `/api/agent/tickets/${ticketId}/claim`, other.cookie)).status).toBe(409);

    expect((await agentPost(server, `/api/agent/tickets/${ticketId}/messages`, cookie, { text: '' })).status).toBe(400);
    expect((await agentPost(server, `/api/agent/tickets/${ticketId}/messages`, cookie, { text: INJECTION })).status).toBe(200);
    const said = await customer.next((m) => m.type === 'agent');
    expect(said).toMatchObject({ event: 'agent_message', agentName: 'Maija', replies: [{ kind: 'message', from: 'agent', agentName: 'Maija', text: INJECTION }] });
    expect(await consoleSocket.next((m) => m.type === 'conversation_changed')).toMatchObject({ conversationId: started.conversationId });

    const detail = (await (await fetch(`${server.baseUrl}/api/agent/tickets/${ticketId}`, { headers: { Cookie: cookie! } })).json()) as { conversation: { transcript: { from: string; text: string }[]; status: string; live: boolean } };
    expect(detail.conversation.status).toBe('agent');
    expect(detail.conversation.live).toBe(true);
    expect(detail.conversation.transcript.map((e) => e.text)).toEqual(expect.arrayContaining([INJECTION]));

    // While the agent talks, the bot stays quiet.
    customer.send({ type: 'message', text: 'kiitos', clientMessageId: 'cust00003' });
    const quiet = await customer.next((m) => m.type === 'replies');
    expect(quiet).toMatchObject({ replies: [], status: 'agent', agentName: 'Maija' });

    expect((await agentPost(server, `/api/agent/tickets/${ticketId}/release`, cookie)).status).toBe(200);
    const left = await customer.next((m) => m.type === 'agent');
    expect(left).toMatchObject({ event: 'agent_left', replies: [{ kind: 'message', rating: 'stars' }] });
    customer.send({ type: 'rating', value: 5, clientMessageId: 'cust00004' });
    const rated = await customer.next((m) => m.type === 'replies');
    expect(rated.replies).toEqual(expect.arrayContaining([{ kind: 'end' }]));

    expect((await agentPost(server, `/api/agent/tickets/${ticketId}/close`, cookie, { resolution: '' })).status).toBe(400);
    expect((await agentPost(server, `/api/agent/tickets/${ticketId}/close`, cookie, { resolution: 'Neuvottu, asiakas tyytyväinen.' })).status).toBe(200);
    const closed = await server.stores.tickets.get(ticketId!);
    expect(closed).toMatchObject({ status: 'closed', agent: 'Maija', resolution: 'Neuvottu, asiakas tyytyväinen.' });
    expect((await agentPost(server, `/api/agent/tickets/${ticketId}/close`, cookie, { resolution: 'again' })).status).toBe(409);
    const open = (await (await fetch(`${server.baseUrl}/api/agent/tickets`, { headers: { Cookie: cookie! } })).json()) as { tickets: unknown[] };
    expect(open.tickets).toEqual([]);
    customer.close();
    consoleSocket.close();
  });

  it('renders console pages with escaped data only', async () => {
    const { cookie } = await login(server, 'Maija');
    const page = await fetch(`${server.baseUrl}/agent/tickets/ASPA-000001`, { headers: { Cookie: cookie! } });
    const html = await page.text();
    expect(html).toContain('"ticketId":"ASPA-000001"');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const injected = await fetch(`${server.baseUrl}/agent/tickets/%3Cscript%3E`, { headers: { Cookie: cookie! } });
    expect(injected.status).toBe(404);
    expect(await injected.text()).not.toContain('<script>');
    const missing = await fetch(`${server.baseUrl}/api/agent/tickets/ASPA-999999`, { headers: { Cookie: cookie! } });
    expect(missing.status).toBe(404);
  });

  it('sorts the queue by priority, then by SLA due time', async () => {
    const base = { conversationId: 'c', createdAt: 0, channel: 'web' as const, locale: 'fi' as const, reason: 'customer_request' as const, queue: 'general', contact: {}, summary: 's', slots: {}, transcript: [], history: [], status: 'open' as const };
    await server.stores.tickets.create({ ...base, id: 'ASPA-000001', priority: 'normal', dueAt: 1000 });
    await server.stores.tickets.create({ ...base, id: 'ASPA-000002', priority: 'urgent', dueAt: 5000 });
    await server.stores.tickets.create({ ...base, id: 'ASPA-000003', priority: 'normal', dueAt: 500 });
    await server.stores.tickets.create({ ...base, id: 'ASPA-000004', priority: 'low', dueAt: 1 });
    await server.stores.tickets.create({ ...base, id: 'ASPA-000005', priority: 'high', dueAt: 9000, status: 'closed' });
    const { cookie } = await login(server);
    const queue = (await (await fetch(`${server.baseUrl}/api/agent/tickets`, { headers: { Cookie: cookie! } })).json()) as { tickets: { id: string; timeLeftMs: number }[] };
    expect(queue.tickets.map((t) => t.id)).toEqual(['ASPA-000002', 'ASPA-000003', 'ASPA-000001', 'ASPA-000004']);
    expect(queue.tickets[0].timeLeftMs).toBeLessThan(0);
  });

  it('slows down guessing: after 10 failed logins for one name, 429 for it until the window passes', async () => {
    let now = Date.UTC(2026, 10, 24, 8);
    const limited = await startWebServer({ clock: { now: () => now } });
    try {
      for (let i = 0; i < 10; i++) expect((await login(limited, 'Maija', `wrong-${i}`)).status).toBe(401);
      const blocked = await fetch(`${limited.baseUrl}/api/agent/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'Maija', password: AGENT_TOKEN }) });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      now += 15 * 60_000;
      expect((await login(limited)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
