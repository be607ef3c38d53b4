import { createHmac, timingSafeEqual } from 'node:crypto';
import { silentLogger, type Logger } from '../core/logger';
import type { Clock, Outbox, OutboxItem } from '../core/ports';
import { HandoffConfigError } from './handoff-config-error';

/** Where tickets go: the helpdesk's URL and the shared secret it checks the signature with. */
export interface WebhookSinkConfig {
  url: string;
  secret: string;
}

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Aborted when the dispatcher gives up waiting (`timeoutMs`); pass it on to `fetch`. */
  signal?: AbortSignal;
}

/** One HTTP POST. Injected so the core holds no HTTP client: the composition root wires `fetch`. */
export type WebhookSend = (request: WebhookRequest) => Promise<{ status: number }>;

export interface WebhookDispatcherDeps extends WebhookSinkConfig {
  outbox: Outbox;
  clock: Clock;
  send: WebhookSend;
  logger?: Logger;
  /** Items claimed per round (default 20); they are sent in parallel. */
  batchSize?: number;
  /** How long a claimed item is ours before another instance may take it (default 60 s; must exceed `timeoutMs`). */
  leaseMs?: number;
  /** Give up waiting for one POST after this long and retry later (default 10 s). */
  timeoutMs?: number;
  /** First retry delay (default 5 s); doubles per attempt up to `maxDelayMs` (default 5 min). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** 0 ≤ x < 1; injectable so tests can pin the jitter. */
  random?: () => number;
}

export interface WebhookDispatcher {
  /** Sends every due item once (claiming in rounds of `batchSize`); resolves to how many were delivered. */
  runOnce(): Promise<number>;
  /** Runs `runOnce` every `intervalMs` (default 5 s) on an unref'd timer, never two runs at once. */
  start(intervalMs?: number): void;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/** The outbox sink name of the helpdesk webhook. */
export const WEBHOOK_SINK = 'webhook';
/** Rounds per run, so that one run ends even when items keep arriving. */
const MAX_ROUNDS = 50;

/** `sha256=<hex>`: HMAC-SHA256 of the exact body bytes with the shared secret (receivers recompute and compare). */
export function signWebhookBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/**
 * `v2=<hex>`: HMAC-SHA256 of `<timestamp>.<body>`. Covering the timestamp lets a receiver refuse replays of an
 * old request (reject when `X-Aspa-Timestamp` is more than a few minutes off).
 */
export function signWebhookBodyV2(body: string, timestamp: string, secret: string): string {
  return `v2=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/**
 * For receivers: checks `X-Aspa-Signature-V2` and that the timestamp is within `toleranceSeconds` of `nowSeconds`.
 * That is all: the same request sent again inside the window passes. `createWebhookReceiver`
 * (`webhook-receiver.ts`) adds the memory that refuses replays and answers repeats of a processed ticket.
 */
export function verifyWebhookSignatureV2(body: string | Buffer, timestamp: unknown, signature: unknown, secret: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  if (typeof signature !== 'string' || typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) return false;
  const raw = typeof body === 'string' ? body : body.toString('utf8');
  const expected = Buffer.from(signWebhookBodyV2(raw, timestamp, secret));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * For receivers (and tests): true when `signature` (the `X-Aspa-Signature` header) matches the raw body. It covers
 * no timestamp, so it cannot tell a replay from the original: kept for old receivers, use V2.
 * Compares in constant time so the check leaks nothing about the expected value.
 */
export function verifyWebhookSignature(body: string | Buffer, signature: unknown, secret: string): boolean {
  if (typeof signature !== 'string') return false;
  const raw = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Every problem in a webhook sink config; empty when valid. */
export function validateWebhookSinkConfig(config: unknown): string[] {
  if (typeof config !== 'object' || config === null) return ['the webhook sink needs { url, secret }'];
  const { url, secret } = config as Record<string, unknown>;
  const problems: string[] = [];
  let parsed: URL | undefined;
  try {
    parsed = typeof url === 'string' ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    problems.push(`webhook url ${JSON.stringify(url)} is not an http(s) URL such as "https://helpdesk.example.com/hooks/aspa"`);
  }
  if (typeof secret !== 'string' || secret.length < 16) {
    problems.push('webhook secret must be a string of at least 16 characters (the receiver verifies X-Aspa-Signature with it)');
  }
  return problems;
}

/** Exponential backoff with "equal jitter": between half and all of min(max, base·2^(attempt−1)). */
export function retryDelay(attempt: number, random: () => number, baseDelayMs = 5_000, maxDelayMs = 300_000): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Delivers outbox items of the `webhook` sink as signed JSON POSTs. A 2xx marks the item delivered;
 * anything else (status, network error, timeout) reschedules it with backoff, forever: the helpdesk
 * drops repeats by `Idempotency-Key`, so retrying is always safe and giving up never is.
 */
export function createWebhookDispatcher(deps: WebhookDispatcherDeps): WebhookDispatcher {
  const problems = validateWebhookSinkConfig(deps);
  if (problems.length > 0) throw new HandoffConfigError('webhook sink', problems);
  const logger = deps.logger ?? silentLogger;
  const batchSize = deps.batchSize ?? 20;
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const leaseMs = Math.max(deps.leaseMs ?? 60_000, timeoutMs + 1_000);
  const random = deps.random ?? Math.random;

  async function post(item: OutboxItem): Promise<{ status?: number; error?: string }> {
    const body = JSON.stringify(item.payload ?? null);
    const timestamp = String(Math.floor(deps.clock.now() / 1000));
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'X-Aspa-Signature': signWebhookBody(body, deps.secret),
      'X-Aspa-Signature-V2': signWebhookBodyV2(body, timestamp, deps.secret),
      'X-Aspa-Timestamp': timestamp,
      'Idempotency-Key': item.idempotencyKey,
      'X-Aspa-Attempt': String(item.attempts),
    };
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new Error(`no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
    });
    try {
      const response = await Promise.race([deps.send({ url: deps.url, headers, body, signal: abort.signal }), timeout]);
      const status = Number(response?.status);
      return Number.isInteger(status) ? { status } : { error: `send returned no HTTP status (${JSON.stringify(response)})` };
    } catch (error) {
      return { error: describeError(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  async function deliver(item: OutboxItem): Promise<boolean> {
    const outcome = await post(item);
    const fields = { itemId: item.id, idempotencyKey: item.idempotencyKey, attempts: item.attempts };
    if (outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300) {
      try {
        await deps.outbox.markDelivered(item.id, deps.clock.now());
      } catch (error) {
        // The lease runs out and the item is sent again; the receiver drops the repeat by its key.
        logger.error('handoff.webhook.mark_delivered_failed', { ...fields, error: describeError(error) });
      }
      logger.info('handoff.webhook.delivered', { ...fields, status: outcome.status });
      return true;
    }
    const reason = outcome.error ?? `HTTP ${outcome.status}`;
    const delay = retryDelay(item.attempts, random, deps.baseDelayMs, deps.maxDelayMs);
    logger.warn('handoff.webhook.delivery_failed', { ...fields, error: reason, retryInMs: delay });
    try {
      await deps.outbox.reschedule(item.id, deps.clock.now() + delay, reason);
    } catch (error) {
      logger.error('handoff.webhook.reschedule_failed', { ...fields, error: describeError(error) });
    }
    return false;
  }

  async function run(): Promise<number> {
    let delivered = 0;
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      let items: OutboxItem[];
      try {
        items = await deps.outbox.claim(deps.clock.now(), batchSize, leaseMs);
      } catch (error) {
        logger.error('handoff.webhook.claim_failed', { error: describeError(error) });
        break;
      }
      // Items of other sinks are left alone; their lease runs out and their own dispatcher takes them.
      const mine = items.filter((item) => item.sink === WEBHOOK_SINK);
      const results = await Promise.all(mine.map(deliver));
      delivered += results.filter(Boolean).length;
      if (items.length < batchSize) break;
    }
    return delivered;
  }

  let inFlight: Promise<number> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running = false;

  function runOnce(): Promise<number> {
    // Overlapping calls share one run: an item must never be sent twice at once by the same instance.
    if (!inFlight) inFlight = run().finally(() => { inFlight = undefined; });
    return inFlight;
  }

  function schedule(intervalMs: number): void {
    timer = setTimeout(() => {
      void runOnce().finally(() => {
        if (running) schedule(intervalMs);
      });
    }, intervalMs);
    timer.unref();
  }

  return {
    runOnce,
    start(intervalMs = 5_000) {
      if (running) return;
      if (!Number.isFinite(intervalMs) || intervalMs <= 0) throw new Error(`dispatcher interval must be a positive number of ms (got ${intervalMs})`);
      running = true;
      schedule(intervalMs);
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      if (inFlight) await inFlight;
    },
  };
}
