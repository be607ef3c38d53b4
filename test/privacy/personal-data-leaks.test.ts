import { Writable } from 'node:stream';
import { createLogger } from '../../src/server/create-logger';
import { createWebhookDispatcher } from '../../src/handoff/webhook-dispatcher';
import type { Aspa } from '../../src/server/composition';
import { startTestServer } from '../support/start-test-server';

/**
 * Every kind of personal data the policy covers, typed by a customer into the real web channel, must not be found
 * in clear anywhere it is kept or shown: the stored transcript, the transcript API, the agent console's ticket JSON
 * (summary, slots, transcript), the helpdesk webhook body, analytics and the logs.
 */
const IDENTIFIERS: [kind: string, typed: string, raw: string[]][] = [
  ['card (spaces)', 'kortti 4111 1111 1111 1111 veloitettiin kahdesti', ['4111 1111 1111 1111', '4111111111111111']],
  ['card (dashes)', 'korttini 5555-5555-5555-4444', ['5555-5555-5555-4444', '5555555555554444']],
  ['card (13 digits)', 'vanha kortti 4222222222222', ['4222222222222']],
  ['card (19 digits)', 'kortti 6011 0000 0000 0000 001', ['6011 0000 0000 0000 001', '6011000000000000001']],
  ['henkilötunnus', 'hetuni on 131052-308T', ['131052-308T']],
  ['IBAN', 'tilini FI21 1234 5600 0007 85', ['FI21 1234 5600 0007 85', 'FI2112345600000785']],
  ['phone', 'soita numeroon 040 123 4567', ['040 123 4567', '0401234567', '+358401234567']],
  ['e-mail', 'sähköpostini matti.meikalainen@example.fi', ['matti.meikalainen@example.fi']],
];

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('personal data never stored or shown in clear', () => {
  let aspa: Aspa;
  let base: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    const sink = new Writable({ write(chunk, _encoding, done) { logLines.push(String(chunk)); done(); } });
    ({ aspa, base } = await startTestServer({
      logger: createLogger('debug', sink),
      env: { TICKET_WEBHOOK_URL: 'http://127.0.0.1:9/hook', TICKET_WEBHOOK_SECRET: 'webhook-secret-0123456789' },
    }));
  });
  afterAll(async () => { await aspa.close(); });

  it.each(IDENTIFIERS)('%s', async (_kind, typed, raw) => {
    const started = await postJson(`${base}/api/web/conversations`, { locale: 'fi' });
    expect(started.status).toBe(201);
    const { conversationId, token } = started.body as { conversationId: string; token: string };
    const auth = { Authorization: `Bearer ${token}` };
    const messages = `${base}/api/web/conversations/${conversationId}/messages`;
    expect((await postJson(messages, { type: 'message', text: typed, clientMessageId: 'pii-msg-1' }, auth)).status).toBe(200);
    // To a human: the ticket copies the transcript and goes to the helpdesk.
    expect((await postJson(messages, { type: 'message', text: 'haluan ihmisen', clientMessageId: 'pii-msg-2' }, auth)).status).toBe(200);

    const record = await aspa.stores.conversations.get(conversationId);
    expect(record?.ticketId).toBeDefined();
    const places: Record<string, unknown> = {
      storedRecord: record,
      transcriptApi: await (await fetch(`${base}/api/web/conversations/${conversationId}/transcript`, { headers: auth })).json(),
      conversationApi: await (await fetch(`${base}/api/conversations/${conversationId}`, { headers: auth })).json(),
      ticketStore: await aspa.stores.tickets.get(record!.ticketId!),
      analytics: await aspa.stores.events.query({ since: 0, limit: 10_000 }),
    };
    const login = await fetch(`${base}/api/agent/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'Maija', password: 'agent-secret-token' }) });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    const ticketJson = await fetch(`${base}/api/agent/tickets/${record!.ticketId}`, { headers: { Cookie: cookie } });
    expect(ticketJson.status).toBe(200);
    places.agentConsoleTicket = await ticketJson.json();

    // The webhook body exactly as the dispatcher POSTs it.
    const bodies: string[] = [];
    const dispatcher = createWebhookDispatcher({
      url: 'http://127.0.0.1:9/hook', secret: 'webhook-secret-0123456789', outbox: aspa.stores.outbox, clock: { now: () => Date.now() + 3_600_000 },
      send: async (request) => { bodies.push(request.body); return { status: 200 }; },
    });
    await dispatcher.runOnce();
    const webhook = bodies.find((body) => body.includes(record!.ticketId!));
    expect(webhook).toBeDefined();
    places.webhookBody = webhook;
    places.logs = logLines.join('');

    const found: string[] = [];
    for (const [place, value] of Object.entries(places)) {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      for (const secret of raw) if (text.includes(secret)) found.push(`${place}: ${secret}`);
    }
    expect(found).toEqual([]);
    // The customer's line is there, masked (the transcript still tells the agent what was said).
    expect(JSON.stringify(record?.transcript)).toMatch(/\[(card|hetu|iban|phone|email)\]/);
  });
});
