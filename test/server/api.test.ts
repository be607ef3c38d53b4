import type { Aspa } from '../../src/server/composition';
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

async function post(id: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const response = await fetch(`${base}/api/conversations/${id}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

describe('JSON API', () => {
  it('serves /healthz', async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', store: 'memory' });
  });

  it('starts a conversation, hands out a token and needs it afterwards', async () => {
    const first = await post('api-1', { text: 'tilaus' });
    expect(first.status).toBe(200);
    expect(first.json.replies[0]).toMatchObject({ kind: 'message', key: 'order.ask_number' });
    expect(first.json.state).toBe('order.ask_number');
    expect(typeof first.json.accessToken).toBe('string');
    const token = first.json.accessToken as string;

    expect((await post('api-1', { text: '12345' })).status).toBe(401);
    expect((await post('api-1', { text: '12345' }, { authorization: 'Bearer wrong' })).status).toBe(403);
    const second = await post('api-1', { text: '12345' }, { authorization: `Bearer ${token}` });
    expect(second.status).toBe(200);
    expect(second.json.replies.map((r: { text: string }) => r.text)).toContain('Tilaus 12345: toimitettu (fi)');

    expect((await fetch(`${base}/api/conversations/api-1`)).status).toBe(401);
    const read = await fetch(`${base}/api/conversations/api-1`, { headers: { authorization: `Bearer ${token}` } });
    const conversation = await read.json();
    expect(conversation).toMatchObject({ id: 'api-1', locale: 'fi', state: 'main.menu_again', slots: { order_number: '12345' } });
    expect(conversation.transcript[0]).toMatchObject({ from: 'customer', text: 'tilaus', intent: 'order_status' });
    expect(conversation.transcript[0].at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('rejects bad input with a 4xx JSON error that names the problem, and changes nothing', async () => {
    const start = await post('api-2', { text: 'tilaus' });
    const auth = { authorization: `Bearer ${start.json.accessToken}` };
    const cases: [unknown, Record<string, string>, number, string][] = [
      [{ text: '' }, auth, 400, 'empty_text'],
      [{ text: '   ' }, auth, 400, 'empty_text'],
      [{ text: 'x'.repeat(2001) }, auth, 413, 'text_too_long'],
      ['{"text": "hei"', auth, 400, 'invalid_json'],
      [{ payload: 'not_a_button' }, auth, 400, 'unknown_payload'],
      [{ text: 'a', payload: 'b' }, auth, 400, 'invalid_body'],
      [{ txt: 'typo' }, auth, 400, 'invalid_body'],
      [{ text: 42 }, auth, 400, 'invalid_body'],
      [{ text: 'hei', locale: 'de' }, auth, 400, 'invalid_body'],
    ];
    for (const [body, headers, status, code] of cases) {
      const result = await post('api-2', body, headers);
      expect([result.status, result.json.error?.code]).toEqual([status, code]);
      expect(typeof result.json.error.message).toBe('string');
    }
    const notUtf8 = await fetch(`${base}/api/conversations/api-2/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: Buffer.from([0x7b, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    });
    expect(notUtf8.status).toBe(400);
    expect((await notUtf8.json()).error.code).toBe('invalid_encoding');
    const notJson = await fetch(`${base}/api/conversations/api-2/messages`, { method: 'POST', headers: { 'content-type': 'text/plain', ...auth }, body: 'hei' });
    expect(notJson.status).toBe(415);
    const oddId = await post('api%3Cscript%3E', { text: 'hei' });
    expect([oddId.status, oddId.json.error.code]).toEqual([400, 'invalid_conversation_id']);
    const tooLongId = await post('a'.repeat(129), { text: 'hei' });
    expect(tooLongId.status).toBe(400);

    // Nothing changed: the conversation still waits for the order number and goes on normally.
    const record = await aspa.engine.getConversation('api-2');
    expect(record?.transcript.filter((e) => e.from === 'customer')).toHaveLength(1);
    const next = await post('api-2', { text: '12345' }, auth);
    expect(next.status).toBe(200);
    expect(next.json.state).toBe('main.menu_again');
  });

  it('accepts quick-reply payloads and client message ids', async () => {
    const start = await post('api-3', { payload: 'order_status', clientMessageId: 'c-1' });
    expect(start.status).toBe(200);
    expect(start.json.state).toBe('order.ask_number');
    const again = await post('api-3', { payload: 'order_status', clientMessageId: 'c-1' }, { authorization: `Bearer ${start.json.accessToken}` });
    expect(again.json.duplicate).toBe(true);
  });

  it('answers unknown endpoints with JSON 404', async () => {
    const response = await fetch(`${base}/api/nothing-here`);
    expect(response.status).toBe(404);
    expect((await response.json()).error.code).toBe('not_found');
  });
});
