import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { systemClock } from '../../src/core/ports';
import type { Stores } from '../../src/core/ports';
import { createRedisStores } from '../../src/stores/redis/create-redis-stores';
import { startTestServer } from '../support/start-test-server';

const REDIS_SERVER = '/usr/bin/redis-server';
const run = fs.existsSync(REDIS_SERVER) ? describe : describe.skip;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** A private redis-server with AOF (fsync always) on a loopback port, in its own folder. */
async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], { stdio: 'ignore' });
  await eventually(async () => new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => { socket.end(); resolve(true); });
    socket.on('error', () => resolve(false));
  }));
  return child;
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function post(base: string, id: string, text: string, token?: string): Promise<{ status: number; body: { error?: { code: string }; accessToken?: string; replies?: unknown[] }; retryAfter: string | null }> {
  const res = await fetch(`${base}/api/conversations/${id}/messages`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ text }),
  });
  return { status: res.status, body: await res.json() as never, retryAfter: res.headers.get('retry-after') };
}

run('Redis going away and coming back', () => {
  let redis: ChildProcess | undefined;
  let dir: string;
  let port: number;
  let stores: Stores | undefined;
  let server: Awaited<ReturnType<typeof startTestServer>> | undefined;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aspa-redis-outage-'));
    port = await freePort();
    redis = await startRedis(port, dir);
    stores = await createRedisStores({ url: `redis://127.0.0.1:${port}`, keyPrefix: 'outage:', clock: systemClock });
    server = await startTestServer({ stores, clock: systemClock });
  });
  afterAll(async () => {
    await server?.aspa.close();
    // The stores were handed in, so they are ours to close (their client would otherwise keep reconnecting).
    await stores?.close().catch(() => undefined);
    redis?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 store_unavailable while Redis is down, recovers by itself, and keeps what it acknowledged', async () => {
    const base = (server as NonNullable<typeof server>).base;
    const first = await post(base, 'outage-1', 'hei');
    expect(first.status).toBe(200);
    const token = first.body.accessToken;

    redis?.kill('SIGKILL');
    await new Promise<void>((resolve) => redis?.once('exit', () => resolve()));
    const during = await post(base, 'outage-1', 'missä tilaus', token);
    expect(during.status).toBe(503);
    expect(during.body.error?.code).toBe('store_unavailable');
    expect(Number(during.retryAfter)).toBeGreaterThan(0);
    // A new conversation fails the same clear way, and the server stays up.
    expect((await post(base, 'outage-2', 'hei')).status).toBe(503);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    redis = await startRedis(port, dir);
    // The client reconnects by itself (backing off up to 2 s); the customer's retry then goes through.
    let retried: Awaited<ReturnType<typeof post>> | undefined;
    await eventually(async () => (retried = await post(base, 'outage-1', 'missä tilaus', token)).status === 200);
    // What was acknowledged before the outage is there (AOF): the conversation goes on with its token.
    const record = await (server as NonNullable<typeof server>).aspa.engine.getConversation('outage-1');
    expect(record?.transcript.filter((line) => line.from === 'customer').map((line) => line.text)).toEqual(['hei', 'missä tilaus']);
    expect(retried?.status).toBe(200);
  });

  it('the web chat answers 503 store_unavailable with Retry-After from its own error handler too, and the retry goes through', async () => {
    const base = (server as NonNullable<typeof server>).base;
    const json = { 'Content-Type': 'application/json' };
    const started = await fetch(`${base}/api/web/conversations`, { method: 'POST', headers: json, body: JSON.stringify({ locale: 'fi' }) });
    expect(started.status).toBe(201);
    const { conversationId, token } = (await started.json()) as { conversationId: string; token: string };
    const send = () => fetch(`${base}/api/web/conversations/${conversationId}/messages`, {
      method: 'POST', headers: { ...json, Authorization: `Bearer ${token}` }, body: JSON.stringify({ type: 'message', text: 'hei', clientMessageId: 'outage-web-1' }),
    });

    redis?.kill('SIGKILL');
    await new Promise<void>((resolve) => redis?.once('exit', () => resolve()));
    const during = await send();
    expect({ status: during.status, body: await during.json() }).toMatchObject({ status: 503, body: { error: 'store_unavailable' } });
    expect(Number(during.headers.get('retry-after'))).toBeGreaterThan(0);
    const startDuring = await fetch(`${base}/api/web/conversations`, { method: 'POST', headers: json, body: '{}' });
    expect({ status: startDuring.status, body: await startDuring.json() }).toMatchObject({ status: 503, body: { error: 'store_unavailable' } });

    redis = await startRedis(port, dir);
    let retried: Response | undefined;
    await eventually(async () => (retried = await send()).status === 200);
    expect(retried?.status).toBe(200);
  });
});
