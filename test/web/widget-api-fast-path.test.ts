import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { startWebServer, type TestServer } from './support/start-web-server';
import { createFakeEngine } from './support/fake-engine';

const ALLOWED = 'https://shop.example.com';

interface Answer { status: number; body: Record<string, unknown>; headers: http.IncomingHttpHeaders }

/** One raw request, so a test decides the framing: content-length (default), chunked, or a lying header. */
function request(server: TestServer, path: string, options: { method?: string; body?: string | Buffer; headers?: Record<string, string>; chunked?: boolean } = {}): Promise<Answer> {
  const url = new URL(server.baseUrl);
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: url.hostname, port: url.port, path, method: options.method ?? 'POST',
      headers: { 'content-type': 'application/json', ...(body && !options.chunked ? { 'content-length': String(body.length) } : {}), ...options.headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) as Record<string, unknown> : {}, headers: res.headers });
      });
    });
    req.on('error', reject);
    if (body && options.chunked) { req.write(body.subarray(0, 3)); req.write(body.subarray(3)); }
    req.end(body && !options.chunked ? body : undefined);
  });
}

/** What must not differ between the two paths: status, the error code or the reply, the headers a browser relies on. */
function essentials(answer: Answer) {
  const { conversationId: _id, token: _token, message, ...body } = answer.body;
  return {
    status: answer.status,
    body: answer.status >= 400 ? { error: body.error, hasMessage: typeof message === 'string' && message.length > 3 } : body,
    nosniff: answer.headers['x-content-type-options'], contentType: answer.headers['content-type'],
    allowOrigin: answer.headers['access-control-allow-origin'],
  };
}

/** The same requests, in the same order, to a server with the fast path and to one with express alone. */
async function bothWays(script: (server: TestServer) => Promise<Answer[]>, engine?: NonNullable<Parameters<typeof startWebServer>[0]>['engine']) {
  // One fixed clock: transcripts and sequence numbers then match line for line.
  const clock = { now: () => 1_800_000_000_000 };
  const fast = await startWebServer({ config: { allowedOrigins: [ALLOWED] }, engine, clock });
  const slow = await startWebServer({ config: { allowedOrigins: [ALLOWED] }, engine, clock, expressOnly: true });
  try {
    const [a, b] = [await script(fast), await script(slow)];
    return { fast: a.map(essentials), express: b.map(essentials), servedByFastPath: fast.servedByFastPath };
  } finally {
    await fast.close();
    await slow.close();
  }
}

describe('widget API fast path (node:http in front of express)', () => {
  it('answers the turn endpoints exactly as the express routes do, refusals and bad bodies included', async () => {
    const { fast, express, servedByFastPath } = await bothWays(async (server) => {
      const started = await request(server, '/api/web/conversations', { body: JSON.stringify({ locale: 'fi' }) });
      const { conversationId, token } = started.body as { conversationId: string; token: string };
      const path = `/api/web/conversations/${conversationId}/messages`;
      const auth = { authorization: `Bearer ${token}` };
      const message = (text: string, id = 'abcdefgh1') => JSON.stringify({ type: 'message', text, clientMessageId: id });
      const other = await request(server, '/api/web/conversations', { body: '{}', headers: { origin: ALLOWED } });
      return [
        started, other,
        await request(server, '/api/web/conversations', { body: JSON.stringify({ locale: 'xx' }) }),
        await request(server, '/api/web/conversations', { body: '' }),
        await request(server, path, { body: message('hei'), headers: auth }),
        await request(server, path, { body: message('hei'), headers: auth }), // a retry: the duplicate
        await request(server, path, { body: message('milloin olette auki', 'abcdefgh2'), headers: { 'x-conversation-token': token, origin: ALLOWED } }),
        await request(server, path, { body: message('hei') }),
        await request(server, path, { body: message('hei'), headers: { authorization: 'Bearer short' } }),
        await request(server, path, { body: message('hei'), headers: { authorization: `Bearer ${(other.body as { token: string }).token}` } }),
        await request(server, '/api/web/conversations/no-such-conversation/messages', { body: message('hei'), headers: auth }),
        await request(server, path, { body: JSON.stringify({ type: 'message', text: '', clientMessageId: 'abcdefgh3' }), headers: auth }),
        await request(server, path, { body: '{}', headers: auth }),
        await request(server, path, { body: '{nope', headers: auth }),
        await request(server, path, { body: '"just a string"', headers: auth }),
        await request(server, path, { body: message('hei', 'abcdefgh4'), headers: { ...auth, 'content-type': 'application/json; charset=UTF-8' } }),
      ];
    });
    expect(fast).toEqual(express);
    expect(fast[4]).toMatchObject({ status: 200, body: { type: 'replies' }, nosniff: 'nosniff', contentType: 'application/json; charset=utf-8' });
    expect(fast[5].body).toMatchObject({ duplicate: true });
    expect(fast.slice(7, 15).map((answer) => answer.status)).toEqual([401, 401, 403, 404, 400, 400, 400, 400]);
    // Every one of those took the fast path: the common case is all it serves, but it serves all of the common case.
    expect(servedByFastPath).toHaveLength(16);
  });

  it('leaves everything outside the common case to express, which answers it as before', async () => {
    const { fast, express, servedByFastPath } = await bothWays(async (server) => {
      const started = await request(server, '/api/web/conversations', { body: '{}' });
      const { conversationId, token } = started.body as { conversationId: string; token: string };
      const path = `/api/web/conversations/${conversationId}/messages`;
      const message = JSON.stringify({ type: 'message', text: 'hei', clientMessageId: 'abcdefgh1' });
      return [
        await request(server, '/api/web/conversations', { method: 'OPTIONS', headers: { origin: ALLOWED, 'access-control-request-method': 'POST' } }),
        await request(server, '/api/web/conversations', { body: '{}', headers: { origin: 'https://evil.example' } }),
        await request(server, path, { body: JSON.stringify({ type: 'message', text: 'x'.repeat(20_000), clientMessageId: 'abcdefgh2' }), headers: { authorization: `Bearer ${token}` } }),
        await request(server, `${path}?token=${token}`, { body: message }),
        await request(server, path, { body: message.replace('abcdefgh1', 'abcdefgh3'), chunked: true, headers: { authorization: `Bearer ${token}` } }),
        await request(server, path, { body: gzipSync(message.replace('abcdefgh1', 'abcdefgh4')), headers: { authorization: `Bearer ${token}`, 'content-encoding': 'gzip' } }),
        await request(server, path, { body: message, headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' } }),
        await request(server, `/api/web/conversations/${conversationId}/transcript`, { method: 'GET', headers: { authorization: `Bearer ${token}` } }),
      ];
    });
    expect(fast).toEqual(express);
    expect(fast.map((answer) => answer.status)).toEqual([204, 403, 413, 200, 200, 200, 400, 200]);
    expect(servedByFastPath).toEqual(['POST /api/web/conversations']);
  });

  it('answers a failing turn with the same JSON 500 as express, and keeps serving', async () => {
    const failing: NonNullable<Parameters<typeof startWebServer>[0]>['engine'] = (stores, clock) => {
      const engine = createFakeEngine(stores, clock);
      return { ...engine, handleTurn: async (turn) => { if (turn.input.kind === 'text') throw new Error('store on fire'); return engine.handleTurn(turn); } };
    };
    const { fast, express } = await bothWays(async (server) => {
      const started = await request(server, '/api/web/conversations', { body: '{}' });
      const { conversationId, token } = started.body as { conversationId: string; token: string };
      const path = `/api/web/conversations/${conversationId}/messages`;
      return [
        await request(server, path, { body: JSON.stringify({ type: 'message', text: 'hei', clientMessageId: 'abcdefgh1' }), headers: { authorization: `Bearer ${token}` } }),
        await request(server, path, { body: JSON.stringify({ type: 'payload', payload: 'human_agent', clientMessageId: 'abcdefgh2' }), headers: { authorization: `Bearer ${token}` } }),
      ];
    }, failing);
    expect(fast).toEqual(express);
    expect(fast.map((answer) => [answer.status, answer.body.error ?? answer.body.type])).toEqual([[500, 'internal'], [200, 'replies']]);
  });
});
