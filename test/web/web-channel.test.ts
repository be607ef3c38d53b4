import { createFakeEngine } from './support/fake-engine';
import { handshakeStatus, openSocket, startWebServer, type TestServer } from './support/start-web-server';

interface Started { conversationId: string; token: string; seq: number; replies: { kind: string; text?: string }[] }

async function startConversation(server: TestServer, headers: Record<string, string> = {}): Promise<Started> {
  const res = await fetch(`${server.baseUrl}/api/web/conversations`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ locale: 'fi' }) });
  expect(res.status).toBe(201);
  return (await res.json()) as Started;
}

function post(server: TestServer, path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${server.baseUrl}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

describe('web channel: customer side over real HTTP and WebSocket', () => {
  let server: TestServer;
  beforeEach(async () => { server = await startWebServer({ config: { allowedOrigins: ['https://shop.example.com'] } }); });
  afterEach(async () => { await server.close(); });

  it('starts a conversation with an unguessable id and a secret token, greets, and stores the token', async () => {
    const started = await startConversation(server);
    expect(started.conversationId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(started.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(started.replies[0]).toMatchObject({ kind: 'message', text: expect.stringContaining('Aspa') });
    const record = await server.stores.conversations.get(started.conversationId);
    expect(record?.accessToken).toBe(started.token);
  });

  it('reads the transcript only with the conversation\'s own token (401 missing or malformed, 403 refused, 404 gone)', async () => {
    const a = await startConversation(server);
    const b = await startConversation(server);
    const url = `${server.baseUrl}/api/web/conversations/${a.conversationId}/transcript`;
    const answer = async (res: Response) => ({ status: res.status, error: ((await res.json()) as { error: string }).error });
    expect(await answer(await fetch(url))).toEqual({ status: 401, error: 'token_missing' });
    expect(await answer(await fetch(`${url}?token=wrong`))).toEqual({ status: 401, error: 'token_malformed' });
    expect(await answer(await fetch(`${url}?token=${b.token}`))).toEqual({ status: 403, error: 'token_invalid' });
    // A conversation that does not exist, to a caller with a well-formed token: gone, not refused.
    expect(await answer(await fetch(`${server.baseUrl}/api/web/conversations/nope/transcript?token=${a.token}`))).toEqual({ status: 404, error: 'conversation_not_found' });
    for (const weird of ['a%20b', '%00', 'x'.repeat(300), '..%2F..%2Fetc']) {
      expect(await answer(await fetch(`${server.baseUrl}/api/web/conversations/${weird}/transcript?token=${a.token}`))).toEqual({ status: 404, error: 'conversation_not_found' });
    }
    // Without a usable token nothing is told about existence.
    expect((await fetch(`${server.baseUrl}/api/web/conversations/nope/transcript?token=wrong`)).status).toBe(401);
    const ok = await fetch(url, { headers: { Authorization: `Bearer ${a.token}` } });
    expect(ok.status).toBe(200);
    const view = (await ok.json()) as { seq: number; lines: { from: string; text: string }[] };
    expect(view.lines[0]).toMatchObject({ from: 'bot' });
    expect(view.seq).toBe(a.seq);
  });

  it('takes messages over the HTTP fallback, dedupes a repeated client message id, and refuses bad input clearly', async () => {
    const c = await startConversation(server);
    const path = `/api/web/conversations/${c.conversationId}/messages`;
    const auth = { Authorization: `Bearer ${c.token}` };
    expect((await post(server, path, { type: 'message', text: 'hei', clientMessageId: 'abcdefgh1' })).status).toBe(401);
    expect((await post(server, path, { type: 'message', text: 'hei', clientMessageId: 'abcdefgh1' }, { Authorization: 'Bearer x' })).status).toBe(401);
    const other = await startConversation(server);
    expect((await post(server, path, { type: 'message', text: 'hei', clientMessageId: 'abcdefgh1' }, { Authorization: `Bearer ${other.token}` })).status).toBe(403);
    const gone = await post(server, '/api/web/conversations/no-such-conversation/messages', { type: 'message', text: 'hei', clientMessageId: 'abcdefgh1' }, auth);
    expect({ status: gone.status, body: await gone.json() }).toMatchObject({ status: 404, body: { error: 'conversation_not_found' } });

    const first = await post(server, path, { type: 'message', text: 'milloin olette auki', clientMessageId: 'abcdefgh1' }, auth);
    expect(first.status).toBe(200);
    const reply = (await first.json()) as { type: string; seq: number; replies: { text: string; links?: { url: string }[] }[] };
    expect(reply.type).toBe('replies');
    expect(reply.replies[0].text).toContain('auki');
    // Only http(s) links reach the browser.
    expect(reply.replies[0].links).toEqual([{ title: 'Yhteystiedot', url: 'https://example.com/yhteystiedot' }]);

    const again = (await (await post(server, path, { type: 'message', text: 'milloin olette auki', clientMessageId: 'abcdefgh1' }, auth)).json()) as { duplicate?: boolean; seq: number };
    expect(again.duplicate).toBe(true);
    const record = await server.stores.conversations.get(c.conversationId);
    expect(record?.transcript.filter((e) => e.from === 'customer')).toHaveLength(1);
    expect(again.seq).toBe(reply.seq);

    for (const bad of [
      {}, { type: 'message', text: '', clientMessageId: 'abcdefgh2' }, { type: 'message', text: 'x'.repeat(2001), clientMessageId: 'abcdefgh2' },
      { type: 'message', text: 'hi', clientMessageId: 'a b' }, { type: 'rating', value: 9, clientMessageId: 'abcdefgh2' }, { type: 'shell', clientMessageId: 'abcdefgh2' },
    ]) {
      const res = await post(server, path, bad, auth);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message.length).toBeGreaterThan(3);
    }
    const notJson = await fetch(`${server.baseUrl}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...auth }, body: '{nope' });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: 'bad_request' });
  });

  it('carries turns over the WebSocket: typing, then replies with a sequence number; bad frames get an error, not a crash', async () => {
    const c = await startConversation(server);
    const socket = await openSocket(`${server.wsUrl}/ws?conversationId=${c.conversationId}&token=${c.token}`);
    socket.send({ type: 'message', text: 'milloin olette auki', clientMessageId: 'wsmsg0001' });
    expect(await socket.next()).toEqual({ type: 'typing' });
    const reply = await socket.next();
    expect(reply).toMatchObject({ type: 'replies', clientMessageId: 'wsmsg0001', status: 'active' });
    expect(reply.seq).toBe(c.seq + 2);

    socket.send('not json');
    expect(await socket.next()).toMatchObject({ type: 'error', code: 'bad_message' });
    socket.send({ type: 'message', text: 'x'.repeat(3000), clientMessageId: 'wsmsg0002' });
    expect(await socket.next()).toMatchObject({ type: 'error', code: 'bad_message', clientMessageId: 'wsmsg0002' });
    // Still alive after bad input.
    socket.send({ type: 'payload', payload: 'human_agent', text: 'Puhu ihmiselle', clientMessageId: 'wsmsg0003' });
    await socket.next((m) => m.type === 'typing');
    const handoff = await socket.next((m) => m.type === 'replies');
    expect(handoff.replies).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'handoff', ticketId: 'ASPA-000001', agentsAvailable: true })]));
    socket.close();
  });

  it('refuses socket handshakes without a valid token or from a foreign origin', async () => {
    const c = await startConversation(server);
    expect(await handshakeStatus(`${server.wsUrl}/ws?conversationId=${c.conversationId}`)).toBe(401);
    expect(await handshakeStatus(`${server.wsUrl}/ws?conversationId=${c.conversationId}&token=wrong`)).toBe(401);
    expect(await handshakeStatus(`${server.wsUrl}/ws?conversationId=${(await startConversation(server)).conversationId}&token=${c.token}`)).toBe(403);
    expect(await handshakeStatus(`${server.wsUrl}/ws?conversationId=gone-long-ago&token=${c.token}`)).toBe(404);
    expect(await handshakeStatus(`${server.wsUrl}/ws`)).toBe(400);
    expect(await handshakeStatus(`${server.wsUrl}/ws?conversationId=${c.conversationId}&token=${c.token}`, { Origin: 'https://evil.example' })).toBe(403);
    expect(await handshakeStatus(`${server.wsUrl}/ws?conversationId=${c.conversationId}&token=${c.token}`, { Origin: 'https://shop.example.com' })).toBe(101);
  });

  it('applies the CORS allow-list to the widget API', async () => {
    const evil = await post(server, '/api/web/conversations', {}, { Origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    expect(await evil.json()).toMatchObject({ error: 'origin_not_allowed' });
    const allowed = await post(server, '/api/web/conversations', {}, { Origin: 'https://shop.example.com' });
    expect(allowed.status).toBe(201);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
    const preflight = await fetch(`${server.baseUrl}/api/web/conversations`, { method: 'OPTIONS', headers: { Origin: 'https://shop.example.com', 'Access-Control-Request-Method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Authorization');
  });

  it('serves the widget script, its assets and strings, and the demo page', async () => {
    const script = await fetch(`${server.baseUrl}/widget.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('javascript');
    expect(await script.text()).toContain('aspa');
    expect((await fetch(`${server.baseUrl}/assets/widget.css`)).status).toBe(200);
    expect((await fetch(`${server.baseUrl}/assets/%2e%2e/create-web-channel.ts`)).status).toBe(404);
    const strings = (await (await fetch(`${server.baseUrl}/api/web/strings/sv`)).json()) as Record<string, string>;
    expect(strings.human).toBe('Prata med en människa');
    expect((await fetch(`${server.baseUrl}/api/web/strings/xx`)).status).toBe(400);
    const demo = await fetch(`${server.baseUrl}/?lang=%22%3E%3Cscript%3Ealert(1)%3C/script%3E`);
    const html = await demo.text();
    expect(html).toContain('Revontuli Oy');
    expect(html).toContain('data-locale="fi"');
    expect(html).not.toContain('<script>alert');
    expect(demo.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('takes the transcript length from the engine when it reports one (no second read)', async () => {
    const reporting = await startWebServer({ engine: (stores, clock) => createFakeEngine(stores, clock, { reportTranscriptLength: true }) });
    try {
      const c = await startConversation(reporting);
      const read = jest.spyOn(reporting.engine, 'getConversation');
      const res = await post(reporting, `/api/web/conversations/${c.conversationId}/messages`, { type: 'message', text: 'milloin olette auki', clientMessageId: 'lenlen001' }, { Authorization: `Bearer ${c.token}` });
      const body = (await res.json()) as { seq: number; status?: string };
      expect(body.seq).toBe(c.seq + 2);
      expect(body.status).toBeUndefined();
      expect(read).not.toHaveBeenCalled(); // the token is checked inside the turn, on the record it loads
    } finally {
      await reporting.close();
    }
  });
});
