import type { Outbox, OutboxItem } from '../../core/ports';
import { StoreError } from '../shared/store-errors';
import { assertClaim, assertId, assertOutboxItem, assertTime, parseStored, toStored } from '../shared/store-validation';
import { defineRedisScript, type RedisClient } from './redis-script';

/** A delivered item's id is remembered this long, so a repeated acknowledgement is harmless. */
const DELIVERED_MEMORY_MS = 7 * 24 * 3_600_000;

// KEYS of every script: due (zset), items (hash: id → immutable JSON), attempts (hash), errors (hash).
const ENQUEUE = defineRedisScript(`
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 1 then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
  redis.call('HSET', KEYS[3], ARGV[1], 0)
end
return 1
`);

/** Leases due items by moving their due time to the end of the lease. ARGV: now, limit, lease end. */
const CLAIM = defineRedisScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, id in ipairs(ids) do
  redis.call('ZADD', KEYS[1], ARGV[3], id)
  local attempts = redis.call('HINCRBY', KEYS[3], id, 1)
  table.insert(out, { id, redis.call('HGET', KEYS[2], id), attempts, redis.call('HGET', KEYS[4], id) })
end
return out
`);

/** KEYS + delivered marker key. ARGV: id, delivered at, marker ttl. 1 = done, 0 = unknown id. */
const DELIVER = defineRedisScript(`
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then
  return redis.call('EXISTS', KEYS[5])
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('SET', KEYS[5], ARGV[2], 'PX', ARGV[3])
return 1
`);

/** KEYS + delivered marker key. ARGV: id, due at, error. */
const RESCHEDULE = defineRedisScript(`
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then
  return redis.call('EXISTS', KEYS[5])
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[4], ARGV[1], ARGV[3])
return 1
`);

type Immutable = Pick<OutboxItem, 'id' | 'sink' | 'idempotencyKey' | 'payload' | 'createdAt'>;

/**
 * The durable outbox in Redis: a sorted set by due time plus hashes of items, attempts and last errors.
 * Delivered items are removed (only a short-lived marker remains), so the structures hold pending work only.
 */
export function createRedisOutbox(client: RedisClient, prefix: string): Outbox {
  const keys = [`${prefix}outbox:due`, `${prefix}outbox:items`, `${prefix}outbox:attempts`, `${prefix}outbox:errors`];
  const deliveredKey = (id: string): string => `${prefix}outbox:delivered:${id}`;

  const toItem = (id: string, body: string, attempts: number, dueAt: number, error: string | null | undefined): OutboxItem => {
    const item: OutboxItem = { ...parseStored<Immutable>(body, `outbox item ${id}`), attempts, dueAt };
    if (error != null) item.lastError = error;
    return item;
  };

  return {
    async enqueue(item) {
      assertOutboxItem(item);
      const { id, sink, idempotencyKey, payload, createdAt } = item;
      await ENQUEUE.run(client, keys, [id, toStored({ id, sink, idempotencyKey, payload, createdAt }, `outbox item ${id}`), item.dueAt]);
    },
    async claim(now, limit, leaseMs) {
      assertClaim(now, limit, leaseMs);
      if (limit === 0) return [];
      const rows = (await CLAIM.run(client, keys, [now, limit, now + leaseMs])) as Array<[string, string | null, number, string | null]>;
      return rows
        .filter((row) => row[1] != null)
        .map(([id, body, attempts, error]) => toItem(id, body as string, Number(attempts), now + leaseMs, error));
    },
    async markDelivered(id, at) {
      assertId(id, 'outbox item id');
      assertTime(at, 'markDelivered at');
      const done = Number(await DELIVER.run(client, [...keys, deliveredKey(id)], [id, at, DELIVERED_MEMORY_MS]));
      if (done !== 1) throw new StoreError('NOT_FOUND', `outbox item ${id} does not exist`);
    },
    async reschedule(id, dueAt, error) {
      assertId(id, 'outbox item id');
      assertTime(dueAt, 'reschedule dueAt');
      const done = Number(await RESCHEDULE.run(client, [...keys, deliveredKey(id)], [id, dueAt, String(error).slice(0, 2000)]));
      if (done !== 1) throw new StoreError('NOT_FOUND', `outbox item ${id} does not exist`);
    },
    async pending() {
      const due = await client.zRangeWithScores(keys[0], 0, -1);
      if (due.length === 0) return [];
      const ids = due.map((entry) => entry.value);
      const [bodies, attempts, errors] = await Promise.all([
        client.hmGet(keys[1], ids), client.hmGet(keys[2], ids), client.hmGet(keys[3], ids),
      ]);
      return due.flatMap((entry, index) => {
        const body = bodies[index];
        return body == null ? [] : [toItem(entry.value, body, Number(attempts[index] ?? 0), entry.score, errors[index])];
      });
    },
    async waiting() {
      // Delivery removes an item from the due set, so its size is the backlog.
      return client.zCard(keys[0]);
    },
  };
}
