import { createHmac } from 'node:crypto';
import type { Logger } from '../../src/core/logger';
import type { Outbox } from '../../src/core/ports';
import { HandoffConfigError } from '../../src/handoff/handoff-config-error';
import {
  createWebhookDispatcher, retryDelay, signWebhookBody, verifyWebhookSignature, type WebhookDispatcherDeps, type WebhookRequest,
} from '../../src/handoff/webhook-dispatcher';
import { createMemoryStores } from '../../src/stores/memory/create-memory-stores';
import { createFakeClock, SECRET } from './support/handoff-fixtures';

const NOW = Date.parse('2026-03-02T09:00:00Z');
const URL = 'http://127.0.0.1:9/hooks/aspa';

interface LogLine { level: string; event: string; fields?: Record<string, unknown> }

function recordingLogger(lines: LogLine[]): Logger {
  const log = (level: string) => (event: string, fields?: Record<string, unknown>) => { lines.push({ level, event, fields }); };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

function setup(answer: (request: WebhookRequest) => Promise<{ status: number }>, overrides: Partial<WebhookDispatcherDeps> = {}) {
  const clock = createFakeClock(NOW);
  const { outbox } = createMemoryStores({ clock });
  const requests: WebhookRequest[] = [];
  const logs: LogLine[] = [];
  const dispatcher = createWebhookDispatcher({
    outbox, clock, url: URL, secret: SECRET, logger: recordingLogger(logs), random: () => 0,
    send: async (request) => { requests.push(request); return answer(request); },
    ...overrides,
  });
  const enqueue = (key: string, sink = 'webhook') =>
    outbox.enqueue({ id: `${sink}:${key}`, sink, idempotencyKey: key, payload: { event: 'ticket.created', ticket: { id: key, summary: 'Aihe: ä "x"' } }, dueAt: clock.now(), createdAt: clock.now() });
  return { clock, outbox, requests, logs, dispatcher, enqueue };
}

describe('retryDelay', () => {
  test.each([
    [1, 0, 2_500], [1, 0.999999, 5_000], [2, 0, 5_000], [3, 0, 10_000], [6, 0, 80_000],
    [7, 0, 150_000], [8, 0, 150_000], [8, 0.999999, 300_000], [1000, 0.5, 225_000],
  ])('attempt %i, random %f → %i ms (exponential, capped at 5 min, equal jitter)', (attempt, random, delay) => {
    expect(retryDelay(attempt, () => random)).toBe(delay);
  });
});

describe('createWebhookDispatcher', () => {
  test('a 2xx marks the item delivered; the POST is JSON with signature, timestamp and idempotency key', async () => {
    const { dispatcher, enqueue, requests, outbox } = setup(async () => ({ status: 204 }));
    await enqueue('ASPA-000001');
    expect(await dispatcher.runOnce()).toBe(1);
    expect(await outbox.pending()).toEqual([]);
    const [request] = requests;
    expect(request.url).toBe(URL);
    expect(JSON.parse(request.body)).toEqual({ event: 'ticket.created', ticket: { id: 'ASPA-000001', summary: 'Aihe: ä "x"' } });
    expect(request.headers).toMatchObject({
      'Content-Type': 'application/json',
      'Idempotency-Key': 'ASPA-000001',
      'X-Aspa-Timestamp': String(NOW / 1000),
    });
    const expected = createHmac('sha256', SECRET).update(Buffer.from(request.body, 'utf8')).digest('hex');
    expect(request.headers['X-Aspa-Signature']).toBe(`sha256=${expected}`);
    expect(signWebhookBody(request.body, SECRET)).toBe(`sha256=${expected}`);
    expect(verifyWebhookSignature(request.body, request.headers['X-Aspa-Signature'], SECRET)).toBe(true);
    expect(verifyWebhookSignature(`${request.body} `, request.headers['X-Aspa-Signature'], SECRET)).toBe(false);
    expect(verifyWebhookSignature(request.body, request.headers['X-Aspa-Signature'], `${SECRET}x`)).toBe(false);
    expect(verifyWebhookSignature(request.body, undefined, SECRET)).toBe(false);
    expect(verifyWebhookSignature(request.body, 'sha256=00', SECRET)).toBe(false);
    expect(await dispatcher.runOnce()).toBe(0);
    expect(requests).toHaveLength(1);
  });

  test('a 503 reschedules with backoff and logs; not sent again before it is due; delivered when the receiver answers', async () => {
    let status = 503;
    const { dispatcher, enqueue, requests, outbox, clock, logs } = setup(async () => ({ status }));
    await enqueue('ASPA-000002');
    expect(await dispatcher.runOnce()).toBe(0);
    const [waiting] = await outbox.pending();
    expect(waiting).toMatchObject({ attempts: 1, dueAt: NOW + 2_500, lastError: 'HTTP 503' });
    expect(logs).toContainEqual({ level: 'warn', event: 'handoff.webhook.delivery_failed', fields: expect.objectContaining({ idempotencyKey: 'ASPA-000002', error: 'HTTP 503', retryInMs: 2_500 }) });

    clock.advance(2_499);
    await dispatcher.runOnce();
    expect(requests).toHaveLength(1);
    clock.advance(1);
    await dispatcher.runOnce();
    expect(requests).toHaveLength(2);
    expect((await outbox.pending())[0]).toMatchObject({ attempts: 2, dueAt: clock.now() + 5_000 });

    status = 200;
    clock.advance(5_000);
    expect(await dispatcher.runOnce()).toBe(1);
    expect(await outbox.pending()).toEqual([]);
  });

  test('never gives up: a receiver down for hours gets the ticket when it is back, with the delay capped at 5 min', async () => {
    let status = 500;
    const { dispatcher, enqueue, outbox, clock, requests } = setup(async () => ({ status }));
    await enqueue('ASPA-000003');
    for (let attempt = 1; attempt <= 40; attempt += 1) {
      await dispatcher.runOnce();
      const [item] = await outbox.pending();
      expect(item.dueAt - clock.now()).toBeLessThanOrEqual(300_000);
      clock.set(item.dueAt);
    }
    expect(requests).toHaveLength(40);
    status = 201;
    expect(await dispatcher.runOnce()).toBe(1);
    expect(await outbox.pending()).toEqual([]);
  });

  test('network errors, odd answers and hung requests are failures that are retried', async () => {
    const answers: Array<() => Promise<{ status: number }>> = [
      async () => { throw new TypeError('fetch failed'); },
      async () => undefined as unknown as { status: number },
      () => new Promise(() => { /* never answers */ }),
      async () => ({ status: 302 }),
    ];
    let call = 0;
    const { dispatcher, enqueue, outbox, clock, logs } = setup(() => answers[call++](), { timeoutMs: 20 });
    await enqueue('ASPA-000004');
    const errors: string[] = [];
    for (let round = 0; round < answers.length; round += 1) {
      expect(await dispatcher.runOnce()).toBe(0);
      const [item] = await outbox.pending();
      errors.push(item.lastError ?? '');
      clock.set(item.dueAt);
    }
    expect(errors[0]).toBe('TypeError: fetch failed');
    expect(errors[1]).toMatch(/no HTTP status/);
    expect(errors[2]).toMatch(/no answer in 20 ms/);
    expect(errors[3]).toBe('HTTP 302');
    expect(logs.filter((line) => line.event === 'handoff.webhook.delivery_failed')).toHaveLength(4);
  });

  test('items of other sinks are left alone', async () => {
    const { dispatcher, enqueue, requests } = setup(async () => ({ status: 200 }));
    await enqueue('mail-1', 'email');
    await enqueue('ASPA-000005');
    expect(await dispatcher.runOnce()).toBe(1);
    expect(requests.map((request) => request.headers['Idempotency-Key'])).toEqual(['ASPA-000005']);
  });

  test('many items are sent in rounds within one run', async () => {
    const { dispatcher, enqueue, requests } = setup(async () => ({ status: 200 }), { batchSize: 3 });
    for (let index = 0; index < 10; index += 1) await enqueue(`ASPA-1${index}`);
    expect(await dispatcher.runOnce()).toBe(10);
    expect(new Set(requests.map((request) => request.headers['Idempotency-Key'])).size).toBe(10);
  });

  test('a store that fails to mark delivery: the item is sent again after the lease (the receiver dedupes)', async () => {
    const clock = createFakeClock(NOW);
    const { outbox } = createMemoryStores({ clock });
    let failMark = true;
    const flaky: Outbox = { ...outbox, markDelivered: async (id, at) => { if (failMark) { failMark = false; throw new Error('db locked'); } return outbox.markDelivered(id, at); } };
    const keys: string[] = [];
    const logs: LogLine[] = [];
    const dispatcher = createWebhookDispatcher({
      outbox: flaky, clock, url: URL, secret: SECRET, leaseMs: 60_000, logger: recordingLogger(logs),
      send: async (request) => { keys.push(request.headers['Idempotency-Key']); return { status: 200 }; },
    });
    await outbox.enqueue({ id: 'webhook:A', sink: 'webhook', idempotencyKey: 'A', payload: {}, dueAt: NOW, createdAt: NOW });
    await dispatcher.runOnce();
    expect(logs.map((line) => line.event)).toContain('handoff.webhook.mark_delivered_failed');
    clock.advance(60_000);
    await dispatcher.runOnce();
    expect(keys).toEqual(['A', 'A']);
    expect(await outbox.pending()).toEqual([]);
  });

  test('a failing claim is logged and the run ends quietly', async () => {
    const clock = createFakeClock(NOW);
    const { outbox } = createMemoryStores({ clock });
    const logs: LogLine[] = [];
    const dispatcher = createWebhookDispatcher({
      outbox: { ...outbox, claim: async () => { throw new Error('store down'); } }, clock, url: URL, secret: SECRET,
      logger: recordingLogger(logs), send: async () => ({ status: 200 }),
    });
    expect(await dispatcher.runOnce()).toBe(0);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'error', event: 'handoff.webhook.claim_failed' }));
  });

  test('overlapping runOnce calls share one run; stop waits for the run in flight', async () => {
    let release: (value: { status: number }) => void = () => {};
    const { dispatcher, enqueue, requests, outbox } = setup(() => new Promise((resolve) => { release = resolve; }));
    await enqueue('ASPA-000006');
    const first = dispatcher.runOnce();
    const second = dispatcher.runOnce();
    expect(second).toBe(first);
    await new Promise((resolve) => setImmediate(resolve));
    let stopped = false;
    const stopping = dispatcher.stop().then(() => { stopped = true; });
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    release({ status: 200 });
    await stopping;
    expect(stopped).toBe(true);
    expect(requests).toHaveLength(1);
    expect(await outbox.pending()).toEqual([]);
  });

  test('start runs on a timer until stop', async () => {
    jest.useFakeTimers();
    try {
      const { dispatcher, enqueue, requests } = setup(async () => ({ status: 200 }));
      await enqueue('ASPA-000007');
      dispatcher.start(1_000);
      dispatcher.start(1_000); // a second start is ignored
      await jest.advanceTimersByTimeAsync(999);
      expect(requests).toHaveLength(0);
      await jest.advanceTimersByTimeAsync(1);
      expect(requests).toHaveLength(1);
      await enqueue('ASPA-000008');
      await jest.advanceTimersByTimeAsync(1_000);
      expect(requests).toHaveLength(2);
      await dispatcher.stop();
      await enqueue('ASPA-000009');
      await jest.advanceTimersByTimeAsync(5_000);
      expect(requests).toHaveLength(2);
    } finally {
      jest.useRealTimers();
    }
  });

  test('invalid settings are refused', () => {
    const clock = createFakeClock(NOW);
    const { outbox } = createMemoryStores({ clock });
    const build = (url: string, secret: string) => () => createWebhookDispatcher({ outbox, clock, url, secret, send: async () => ({ status: 200 }) });
    expect(build('not a url', SECRET)).toThrow(HandoffConfigError);
    expect(build(URL, '')).toThrow(/at least 16 characters/);
    const { dispatcher } = setup(async () => ({ status: 200 }));
    expect(() => dispatcher.start(0)).toThrow(/positive number/);
  });
});

describe('webhook signature v2', () => {
  it('covers the timestamp, so an old request cannot be replayed', async () => {
    const { signWebhookBodyV2, verifyWebhookSignatureV2 } = await import('../../src/handoff/webhook-dispatcher');
    const secret = 'a-long-shared-secret-for-tests';
    const body = '{"ticket":{"id":"ASPA-000001"}}';
    const signature = signWebhookBodyV2(body, '1700000000', secret);
    expect(verifyWebhookSignatureV2(body, '1700000000', signature, secret, 1700000100)).toBe(true);
    expect(verifyWebhookSignatureV2(body, '1700000000', signature, secret, 1700009999)).toBe(false);
    expect(verifyWebhookSignatureV2(body, '1700000001', signature, secret, 1700000100)).toBe(false);
    expect(verifyWebhookSignatureV2(`${body} `, '1700000000', signature, secret, 1700000100)).toBe(false);
    expect(verifyWebhookSignatureV2(body, undefined, signature, secret, 1700000100)).toBe(false);
  });
});
