import type { Aspa } from '../../src/server/composition';
import { startTestServer } from '../support/start-test-server';

describe('studio try-it from a chosen state with slot values', () => {
  let server: { aspa: Aspa; base: string };
  let cookie: string;
  beforeAll(async () => {
    server = await startTestServer();
    const login = await fetch(`${server.base}/api/agent/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'Dina', password: 'agent-secret-token' }) });
    cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  });
  afterAll(() => server.aspa.close());

  const post = async (url: string, body: unknown, headers: Record<string, string> = { Cookie: cookie }) => {
    const res = await fetch(`${server.base}${url}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() as { conversationId: string; state: string; error?: string; ticketId?: string | null; replies: { key?: string; text?: string; voice?: string }[] } };
  };

  it('starts in a subflow\'s question: the question is asked, the answer goes on from there, and return goes back to the caller', async () => {
    const started = await post('/api/studio/try/start', { locale: 'fi', channel: 'voice', state: 'order.ask_number' });
    expect(started.status).toBe(200);
    expect(started.body.state).toBe('order.ask_number');
    expect(started.body.replies).toEqual([{ kind: 'message', key: 'order.ask_number', text: 'Tilausnumero? (fi)', voice: 'Sano tilausnumero. (fi)' }]);
    const answered = await post('/api/studio/try', { conversationId: started.body.conversationId, locale: 'fi', channel: 'voice', input: { kind: 'dtmf', digits: '12345' } });
    expect(answered.body.replies.map((reply) => reply.text)).toEqual(['Tilaus 12345: toimitettu (fi)', 'Voinko auttaa muussa? (fi)']);
    expect(answered.body.state).toBe('main.menu_again');
  });

  it('carries the chosen slot values: a handoff from there puts them on the ticket', async () => {
    const started = await post('/api/studio/try/start', { locale: 'fi', channel: 'web', state: 'main.offer_human', slots: { order_number: '77777', vip: true } });
    expect(started.status).toBe(200);
    expect(started.body.replies[0].text).toBe('Haluatko puhua ihmiselle? (fi)');
    const yes = await post('/api/studio/try', { conversationId: started.body.conversationId, locale: 'fi', channel: 'web', input: { kind: 'text', text: 'kyllä' } });
    expect(yes.body.ticketId).toEqual(expect.any(String));
    const ticket = await server.aspa.stores.tickets.get(String(yes.body.ticketId));
    expect(ticket?.slots).toEqual(expect.objectContaining({ order_number: '77777', vip: true }));
  });

  it('refuses states that do not exist or do not wait, bad slots, and anyone but a designer', async () => {
    expect((await post('/api/studio/try/start', { locale: 'fi', channel: 'web', state: 'order.nope' })).status).toBe(404);
    const transient = await post('/api/studio/try/start', { locale: 'fi', channel: 'web', state: 'order.lookup' });
    expect(transient.status).toBe(422);
    expect(transient.body.error).toBe('not_a_waiting_state');
    expect((await post('/api/studio/try/start', { locale: 'fi', channel: 'web', state: 'main.menu', slots: { 'Bad-Name': 1 } })).status).toBe(400);
    expect((await post('/api/studio/try/start', { locale: 'fi', channel: 'web', state: 'main.menu', slots: { nested: { a: 1 } } })).status).toBe(400);
    expect((await post('/api/studio/try/start', { conversationId: 'customer-1', locale: 'fi', channel: 'web', state: 'main.menu' })).status).toBe(400);
    expect((await post('/api/studio/try/start', { locale: 'fi', channel: 'web', state: 'main.menu' }, {})).status).toBe(401);
    expect((await post('/api/studio/try/start', { locale: 'fi', channel: 'web', state: 'main.menu' }, { Cookie: cookie, Origin: 'https://evil.example' })).status).toBe(403);
    // Not on the public conversation API.
    expect((await post('/api/conversations/studio-x/start', { state: 'main.menu' }, {})).status).toBe(404);
  });
});
