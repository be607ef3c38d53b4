import type { ConversationRecord } from '../../core/conversation';
import { VersionConflictError, type ConversationStore } from '../../core/ports';
import {
  assertConversationRecord, assertId, assertLimit, assertTime, assertTtl, parseStored, toStored,
} from '../shared/store-validation';
import { defineRedisScript, type RedisClient } from './redis-script';

const SAVED = -2;
/** `listRecent` looks back at most this far; older entries leave the index so it stays bounded. */
export const RECENT_WINDOW_MS = 30 * 24 * 3_600_000;
const ABSENT = -1;

/**
 * Compare-and-set on the version, the TTL and the recency index in one atomic step.
 * Returns SAVED, or the version found (ABSENT when there is none) so the caller can report the conflict.
 */
const SAVE = defineRedisScript(`
local current = redis.call('HGET', KEYS[1], 'v')
local expected = tonumber(ARGV[1]) - 1
if current then
  if tonumber(current) ~= expected then return tonumber(current) end
elseif expected ~= 0 then
  return ${ABSENT}
end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'd', ARGV[2])
if ARGV[3] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[3]) else redis.call('PERSIST', KEYS[1]) end
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (tonumber(ARGV[4]) - ${RECENT_WINDOW_MS}))
return ${SAVED}
`);

/**
 * Conversations as one hash per conversation (`v` version, `d` JSON) that Redis expires itself, plus a
 * sorted set by updatedAt for `listRecent`. Entries of expired conversations are dropped from that set
 * lazily when a listing meets them, and entries older than RECENT_WINDOW_MS on every save.
 */
export function createRedisConversationStore(client: RedisClient, prefix: string): ConversationStore {
  const key = (id: string): string => `${prefix}conv:${id}`;
  const recentKey = `${prefix}conv:recent`;

  return {
    async get(id) {
      assertId(id, 'conversation id');
      const data = await client.hGet(key(id), 'd');
      return data == null ? undefined : parseStored<ConversationRecord>(data, `conversation ${id}`);
    },
    async save(record, options) {
      assertConversationRecord(record);
      const ttlMs = assertTtl(options);
      const result = Number(await SAVE.run(client, [key(record.id), recentKey], [
        record.version, toStored(record, `conversation ${record.id}`), ttlMs ?? '', record.updatedAt, record.id,
      ]));
      if (result !== SAVED) {
        throw new VersionConflictError(record.id, record.version - 1, result === ABSENT ? undefined : result);
      }
    },
    async delete(id) {
      assertId(id, 'conversation id');
      await client.multi().del(key(id)).zRem(recentKey, id).exec();
    },
    async listRecent(since, limit) {
      assertTime(since, 'listRecent since');
      assertLimit(limit, 'listRecent limit');
      const found: string[] = [];
      let offset = 0;
      const page = Math.max(limit, 50);
      while (found.length < limit) {
        const ids = await client.zRange(recentKey, '+inf', since, { BY: 'SCORE', REV: true, LIMIT: { offset, count: page } });
        if (ids.length === 0) break;
        const multi = client.multi();
        for (const id of ids) multi.exists(key(id));
        const alive = (await multi.exec()) as unknown as number[];
        const stale = ids.filter((_, index) => Number(alive[index]) === 0);
        found.push(...ids.filter((_, index) => Number(alive[index]) === 1));
        if (stale.length > 0) await client.zRem(recentKey, stale);
        offset += ids.length - stale.length;
        if (ids.length < page) break;
      }
      return found.slice(0, limit);
    },
  };
}
