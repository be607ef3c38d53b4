import type { Aspa } from '../../src/server/composition';
import { conversationIdFor, toActivities, toTurn } from '../../src/channels/botframework/activity-mapping';
import { startTestServer } from '../support/start-test-server';

let aspa: Aspa;
let base: string;
beforeAll(async () => {
  ({ aspa, base } = await startTestServer());
});
afterAll(async () => {
  await aspa.close();
  await aspa.stores.close();
});

function activity(extra: Record<string, unknown>) {
  return {
    type: 'message', id: `act-${Math.random().toString(36).slice(2)}`, channelId: 'emulator', serviceUrl: 'http://127.0.0.1:9/',
    conversation: { id: 'conv|1:odd/chars' }, from: { id: 'user-1', name: 'Maija' }, recipient: { id: 'bot' },
    locale: 'fi-FI', deliveryMode: 'expectReplies', ...extra,
  };
}

async function send(body: unknown): Promise<{ status: number; activities: { text: string; suggestedActions?: { actions: { title: string; value: { payload: string } }[] } }[] }> {
  const response = await fetch(`${base}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, activities: text ? JSON.parse(text).activities ?? [] : [] };
}

describe('Bot Framework channel', () => {
  it('greets a new member and answers messages through the CloudAdapter (expectReplies)', async () => {
    const greeting = await send(activity({ type: 'conversationUpdate', membersAdded: [{ id: 'user-1' }] }));
    expect(greeting.status).toBe(200);
    expect(greeting.activities[0].text).toMatch(/Miten voin auttaa/);
    expect(greeting.activities[0].suggestedActions?.actions.map((action) => action.value.payload)).toEqual(['order_status', 'human_agent']);

    const asked = await send(activity({ text: 'missä tilaus' }));
    expect(asked.activities.map((a) => a.text)).toEqual(['Tilausnumero? (fi)']);
    const button = await send(activity({ text: 'Ihminen (fi)', value: { payload: 'human_agent' } }));
    expect(button.activities[0].text).toMatch(/Tiketti ASPA-\d{6} luotu/);
  });

  it('maps odd conversation ids to safe engine ids and ignores typing', () => {
    expect(conversationIdFor({ type: 'message', channelId: 'msteams', conversation: { id: 'a:b|c/d' } })).toMatch(/^bf-[A-Za-z0-9_-]{32}$/);
    expect(toTurn({ type: 'typing', conversation: { id: 'x' } })).toBeUndefined();
    expect(toTurn({ type: 'message', text: '   ', conversation: { id: 'x' } })).toBeUndefined();
    expect(toActivities([{ kind: 'handoff', ticketId: 'ASPA-000001', queue: 'general', priority: 'normal', reason: 'customer_request', agentsAvailable: true }], 'u')).toEqual([]);
  });

  it('delivers an agent\'s messages after a live takeover as proactive messages', async () => {
    const http = await import('node:http');
    const received: { path: string; text: string }[] = [];
    const connector = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push({ path: req.url ?? '', text: JSON.parse(body || '{}').text });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `r${received.length}` }));
      });
    });
    await new Promise<void>((resolve) => connector.listen(0, '127.0.0.1', () => resolve()));
    const serviceUrl = `http://127.0.0.1:${(connector.address() as { port: number }).port}/`;
    try {
      const first = activity({ text: 'haluan ihmisen', serviceUrl, conversation: { id: 'teams-conv-1' } });
      const answered = await send(first);
      expect(answered.activities[0].text).toMatch(/Tiketti ASPA-\d{6} luotu/);
      const id = conversationIdFor(first);
      await aspa.engine.agentJoin(id, 'Liisa');
      await aspa.engine.agentSay(id, 'Liisa', 'Hei, Liisa täällä!');
      for (let tries = 0; tries < 200 && received.length < 2; tries += 1) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(received).toHaveLength(2);
      for (const request of received) expect(request.path).toMatch(/^\/v3\/conversations\/teams-conv-1\/activities/);
      expect(received[1].text).toBe('Liisa: Hei, Liisa täällä!');
    } finally {
      connector.close();
    }
  });

  it('answers a body that is not JSON with 400 and stays up', async () => {
    const response = await fetch(`${base}/api/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(response.status).toBe(400);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
