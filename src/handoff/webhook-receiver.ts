import { verifyWebhookSignatureV2 } from './webhook-dispatcher';

/**
 * For the helpdesk side of the ticket webhook: checks one delivery completely — the `X-Aspa-Signature-V2` HMAC over
 * `<timestamp>.<body>`, the timestamp inside the window, and that this exact signed request was not seen before
 * (a replay). It also remembers the `Idempotency-Key`s the receiver reported as processed, so a retry of a ticket
 * it already took is answered as a duplicate instead of being processed twice.
 *
 * Both memories are per process, in memory, bounded: a signature is kept only until its timestamp leaves the window
 * (after that the window check refuses it anyway), a processed key for `keyTtlSeconds` (default: the window), and
 * never more than `maxEntries` of each (the oldest go first). Several receiver instances, or retries later than the
 * key TTL (the dispatcher retries a helpdesk that is down for hours), still need the receiver's own uniqueness
 * check on the ticket id: the key is the ticket id.
 */
export interface WebhookReceiverOptions {
  secret: string;
  /** How far `X-Aspa-Timestamp` may be from now (default 300 s). */
  toleranceSeconds?: number;
  /** How long a processed idempotency key is remembered (default: `toleranceSeconds`). */
  keyTtlSeconds?: number;
  /** At most this many signatures and this many keys are remembered (default 10,000 each). */
  maxEntries?: number;
  /** Milliseconds since the epoch (injectable for tests). */
  now?: () => number;
}

export interface WebhookDelivery {
  /** The raw body bytes as received (before any JSON parsing). */
  body: string | Buffer;
  /** Request headers; names in any case (Node gives them in lower case). */
  headers: Record<string, string | string[] | undefined>;
}

export type WebhookVerdict =
  /** Process it, then call `markProcessed(idempotencyKey)`; answer 2xx. */
  | { ok: true; duplicate: false; idempotencyKey: string; payload: unknown }
  /** Already processed: answer 2xx without processing again (the sender stops retrying). */
  | { ok: true; duplicate: true; idempotencyKey: string }
  /** Refuse with `status`; `reason` is for the receiver's log. */
  | { ok: false; status: 400 | 401 | 409; reason: 'signature_invalid' | 'timestamp_outside_window' | 'replayed' | 'idempotency_key_missing' | 'body_not_json' };

export interface WebhookReceiver {
  verify(delivery: WebhookDelivery): WebhookVerdict;
  /** Call after the ticket was stored: repeats of the key within `keyTtlSeconds` are answered as duplicates. */
  markProcessed(idempotencyKey: string): void;
  /** How many signatures and keys are remembered now (for tests and metrics). */
  remembered(): { signatures: number; keys: number };
}

/** Insertion-ordered map with expiry and a size cap: the oldest entries go first. */
function boundedMemory(maxEntries: number) {
  const expiries = new Map<string, number>();
  return {
    has(key: string, now: number): boolean {
      const expiry = expiries.get(key);
      if (expiry === undefined) return false;
      if (expiry >= now) return true;
      expiries.delete(key);
      return false;
    },
    add(key: string, expiry: number, now: number): void {
      expiries.delete(key);
      expiries.set(key, expiry);
      // Entries expire in roughly insertion order: sweeping the front keeps the map small without a timer.
      for (const [oldest, at] of expiries) {
        if (expiries.size <= maxEntries && at >= now) break;
        expiries.delete(oldest);
      }
    },
    size: () => expiries.size,
  };
}

function header(headers: WebhookDelivery['headers'], name: string): string | undefined {
  const value = headers[name] ?? Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value[0] : value;
}

export function createWebhookReceiver(options: WebhookReceiverOptions): WebhookReceiver {
  if (typeof options.secret !== 'string' || options.secret.length < 16) throw new Error('the webhook receiver needs the shared secret (at least 16 characters)');
  const toleranceSeconds = options.toleranceSeconds ?? 300;
  const keyTtlMs = (options.keyTtlSeconds ?? toleranceSeconds) * 1000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const signatures = boundedMemory(maxEntries);
  const keys = boundedMemory(maxEntries);

  return {
    verify(delivery) {
      const at = now();
      const timestamp = header(delivery.headers, 'x-aspa-timestamp');
      const signature = header(delivery.headers, 'x-aspa-signature-v2');
      if (typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp) || Math.abs(at / 1000 - Number(timestamp)) > toleranceSeconds) {
        return { ok: false, status: 401, reason: 'timestamp_outside_window' };
      }
      if (!verifyWebhookSignatureV2(delivery.body, timestamp, signature, options.secret, Math.floor(at / 1000), toleranceSeconds)) {
        return { ok: false, status: 401, reason: 'signature_invalid' };
      }
      // The signature covers the timestamp: the same signature twice is the same request sent again.
      const signed = signature as string;
      if (signatures.has(signed, at)) return { ok: false, status: 409, reason: 'replayed' };
      signatures.add(signed, (Number(timestamp) + toleranceSeconds) * 1000, at);
      const idempotencyKey = header(delivery.headers, 'idempotency-key');
      if (!idempotencyKey) return { ok: false, status: 400, reason: 'idempotency_key_missing' };
      if (keys.has(idempotencyKey, at)) return { ok: true, duplicate: true, idempotencyKey };
      let payload: unknown;
      try {
        payload = JSON.parse(typeof delivery.body === 'string' ? delivery.body : delivery.body.toString('utf8'));
      } catch {
        return { ok: false, status: 400, reason: 'body_not_json' };
      }
      return { ok: true, duplicate: false, idempotencyKey, payload };
    },
    markProcessed(idempotencyKey) {
      const at = now();
      keys.add(idempotencyKey, at + keyTtlMs, at);
    },
    remembered: () => ({ signatures: signatures.size(), keys: keys.size() }),
  };
}
