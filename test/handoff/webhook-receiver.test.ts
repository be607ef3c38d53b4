import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebhookDispatcher, signWebhookBodyV2, verifyWebhookSignatureV2 } from '../../src/handoff/webhook-dispatcher';
import { createWebhookReceiver } from '../../src/handoff/webhook-receiver';
import { createMemoryStores } from '../../src/stores/memory/create-memory-stores';

const SECRET = 'helpdesk-shared-secret-0123';
const T0 = Date.parse('2026-12-02T10:00:00Z');

function signed(body: string, at: number, key = 'ASPA-000001', secret = SECRET) {
  const timestamp = String(Math.floor(at / 1000));
  return { body, headers: { 'x-aspa-timestamp': timestamp, 'x-aspa-signature-v2': signWebhookBodyV2(body, timestamp, secret), 'idempotency-key': key } };
}

describe('webhook receiver helper', () => {
  it('checks the signature and the time window', () => {
    let now = T0;
    const receiver = createWebhookReceiver({ secret: SECRET, now: () => now });
    expect(receiver.verify(signed('{"a":1}', T0, 'k1', 'another-secret-0123456'))).toMatchObject({ ok: false, status: 401, reason: 'signature_invalid' });
    const tampered = signed('{"a":1}', T0, 'k1');
    expect(receiver.verify({ ...tampered, body: '{"a":2}' })).toMatchObject({ ok: false, reason: 'signature_invalid' });
    expect(receiver.verify(signed('{"a":1}', T0 - 301_000, 'k1'))).toMatchObject({ ok: false, status: 401, reason: 'timestamp_outside_window' });
    expect(receiver.verify(signed('{"a":1}', T0 + 301_000, 'k1'))).toMatchObject({ ok: false, reason: 'timestamp_outside_window' });
    expect(receiver.verify({ body: '{}', headers: {} })).toMatchObject({ ok: false, reason: 'timestamp_outside_window' });
    now = T0 + 299_000;
    expect(receiver.verify(signed('{"a":1}', T0, 'k1'))).toEqual({ ok: true, duplicate: false, idempotencyKey: 'k1', payload: { a: 1 } });
  });

  it('refuses the same signed request twice inside the window (a replay), though only the window check was there before', () => {
    let now = T0;
    const receiver = createWebhookReceiver({ secret: SECRET, now: () => now });
    const request = signed('{"ticket":1}', T0, 'k1');
    // What the README promised and the old helper did not do: the signature check alone passes the replay.
    const check = () => verifyWebhookSignatureV2(request.body, request.headers['x-aspa-timestamp'], request.headers['x-aspa-signature-v2'], SECRET, Math.floor(now / 1000));
    expect([check(), check()]).toEqual([true, true]);
    expect(receiver.verify(request)).toMatchObject({ ok: true, duplicate: false });
    now += 60_000;
    expect(receiver.verify(request)).toEqual({ ok: false, status: 409, reason: 'replayed' });
    // After the window the old request fails the time check: it no longer needs remembering.
    now += 300_000;
    expect(receiver.verify(request)).toMatchObject({ ok: false, reason: 'timestamp_outside_window' });
  });

  it('answers a processed idempotency key as a duplicate (a retry with a new timestamp), but not one whose processing failed', () => {
    let now = T0;
    const receiver = createWebhookReceiver({ secret: SECRET, now: () => now, keyTtlSeconds: 3600 });
    expect(receiver.verify(signed('{"ticket":1}', now, 'ASPA-1'))).toMatchObject({ ok: true, duplicate: false });
    now += 5_000; // the receiver failed to store it and did not mark it: the retry is processed
    expect(receiver.verify(signed('{"ticket":1}', now, 'ASPA-1'))).toMatchObject({ ok: true, duplicate: false });
    receiver.markProcessed('ASPA-1');
    now += 30 * 60_000;
    expect(receiver.verify(signed('{"ticket":1}', now, 'ASPA-1'))).toEqual({ ok: true, duplicate: true, idempotencyKey: 'ASPA-1' });
    now += 31 * 60_000;
    expect(receiver.verify(signed('{"ticket":1}', now, 'ASPA-1'))).toMatchObject({ ok: true, duplicate: false });
  });

  it('keeps its memory bounded: expired entries and the oldest beyond maxEntries are dropped', () => {
    let now = T0;
    const receiver = createWebhookReceiver({ secret: SECRET, now: () => now, maxEntries: 100 });
    for (let i = 0; i < 1_000; i++) {
      expect(receiver.verify(signed(`{"n":${i}}`, now, `k${i}`)).ok).toBe(true);
      receiver.markProcessed(`k${i}`);
    }
    expect(receiver.remembered()).toEqual({ signatures: 100, keys: 100 });
    now += 301_000;
    receiver.verify(signed('{"n":"late"}', now, 'k-late'));
    receiver.markProcessed('k-late');
    expect(receiver.remembered()).toEqual({ signatures: 1, keys: 1 });
  });

  it('behind a real HTTP endpoint: a ticket retried after a failure is stored once, a replayed request is refused', async () => {
    const stored: string[] = [];
    let failNext = true;
    const captured: { body: string; headers: Record<string, string> }[] = [];
    const receiver = createWebhookReceiver({ secret: SECRET, keyTtlSeconds: 86_400 });
    const server: Server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks);
        const verdict = receiver.verify({ body, headers: request.headers });
        if (!verdict.ok) { response.writeHead(verdict.status).end(verdict.reason); return; }
        if (verdict.duplicate) { response.writeHead(200).end('duplicate'); return; }
        if (failNext) { failNext = false; response.writeHead(503).end(); return; }
        stored.push(verdict.idempotencyKey);
        receiver.markProcessed(verdict.idempotencyKey);
        response.writeHead(201).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/aspa`;
    try {
      let now = Date.now();
      const clock = { now: () => now };
      const stores = createMemoryStores({ clock });
      await stores.outbox.enqueue({ id: 'webhook:ASPA-000007', sink: 'webhook', idempotencyKey: 'ASPA-000007', payload: { event: 'ticket.created', ticket: { id: 'ASPA-000007' } }, dueAt: now, createdAt: now });
      const dispatcher = createWebhookDispatcher({
        url, secret: SECRET, outbox: stores.outbox, clock, random: () => 0,
        send: async (request) => {
          captured.push({ body: request.body, headers: request.headers });
          const res = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body });
          return { status: res.status };
        },
      });
      expect(await dispatcher.runOnce()).toBe(0); // 503: rescheduled
      now += 10_000;
      expect(await dispatcher.runOnce()).toBe(1);
      expect(stored).toEqual(['ASPA-000007']);
      // An attacker (or a proxy) sends a captured request again: refused, nothing stored.
      const replay = await fetch(url, { method: 'POST', headers: captured[1].headers, body: captured[1].body });
      expect(replay.status).toBe(409);
      expect(stored).toEqual(['ASPA-000007']);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
