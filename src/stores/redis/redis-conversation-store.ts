import type { ConversationRecord } from '../../core/conversation';
import { VersionConflictError, type ConversationStore } from '../../core/ports';
import { assertConversationRecord, assertConversationState, assertId, assertLimit, assertTime, assertTtl, parseStored } from '../shared/store-validation';
import {
  addedJson, copyLines, createTranscriptCache, createWriteTokens, emptyLines, entryJson, headOf, pushLine, recordJsonWithoutTranscript,
  sharedPrefix, stateJson, stateOf, type StoredEntry, type StoredLines,
} from '../shared/transcript-rows';
import { defineRedisScript, type RedisClient } from './redis-script';

const SAVED = -2;
/** `listRecent` looks back at most this far; older entries leave the index so it stays bounded. */
export const RECENT_WINDOW_MS = 30 * 24 * 3_600_000;
const ABSENT = -1;
/** The stored write token is not the one the lines this instance holds belong to. */
const STALE_LINES = -3;
/** Lines per RPUSH inside the script (unpack has a stack limit). */
const PUSH_BATCH = 1000;
const FIRST_LINE_ARG = 10;

/** The end of both save scripts: the hash's and the list's TTL (ARGV[3], '' for none), the recency index, SAVED. */
const TTL_AND_RECENCY = `if ARGV[3] ~= '' then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('PEXPIRE', KEYS[3], ARGV[3])
else
  redis.call('PERSIST', KEYS[1])
  redis.call('PERSIST', KEYS[3])
end
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (tonumber(ARGV[4]) - ${RECENT_WINDOW_MS}))
return ${SAVED}`;

/**
 * Compare-and-set on the version, the transcript list, the TTL of both keys and the recency index in
 * one atomic step. ARGV[6] is how many stored lines stay (0: replace the list); a positive count holds
 * only while the stored write token is ARGV[7], the version the caller's view of those lines came from.
 * Returns SAVED, STALE_LINES, or the version found (ABSENT when there is none) for the conflict.
 */
const SAVE = defineRedisScript(`
local current = redis.call('HGET', KEYS[1], 'v')
local expected = tonumber(ARGV[1]) - 1
if current then
  if tonumber(current) ~= expected then return tonumber(current) end
elseif expected ~= 0 then
  return ${ABSENT}
end
local keep = tonumber(ARGV[6])
if keep > 0 then
  if redis.call('HGET', KEYS[1], 'w') ~= ARGV[7] then return ${STALE_LINES} end
  if keep < redis.call('LLEN', KEYS[3]) then redis.call('LTRIM', KEYS[3], 0, keep - 1) end
else
  redis.call('DEL', KEYS[3])
end
for first = ${FIRST_LINE_ARG}, #ARGV, ${PUSH_BATCH} do
  redis.call('RPUSH', KEYS[3], unpack(ARGV, first, math.min(first + ${PUSH_BATCH - 1}, #ARGV)))
end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'd', ARGV[2], 'w', ARGV[8], 'n', ARGV[9])
${TTL_AND_RECENCY}
`);

/** The hash was saved before the transcript list existed (no `n`): the transcript is inside `d`. */
const LEGACY = -4;
/** The stored transcript is not as long as the state says (someone rewrote it at the same version). */
const OTHER_LINES = -5;
const FIRST_ADDED_ARG = 8;

/**
 * A turn's save: compare-and-set on the version and the transcript length `n`, the turn's lines pushed onto the
 * list (nothing stored is read or rewritten), TTLs and the recency index, in one atomic step. ARGV[6] is the
 * stored line count the state was read with. Returns SAVED, LEGACY, OTHER_LINES or the version found.
 */
const SAVE_STATE = defineRedisScript(`
local current = redis.call('HMGET', KEYS[1], 'v', 'n')
local expected = tonumber(ARGV[1]) - 1
local stored = tonumber(ARGV[6])
if current[1] then
  if tonumber(current[1]) ~= expected then return tonumber(current[1]) end
  if not current[2] then return ${LEGACY} end
  if tonumber(current[2]) ~= stored then return ${OTHER_LINES} end
elseif expected ~= 0 then
  return ${ABSENT}
else
  redis.call('DEL', KEYS[3])
end
for first = ${FIRST_ADDED_ARG}, #ARGV, ${PUSH_BATCH} do
  redis.call('RPUSH', KEYS[3], unpack(ARGV, first, math.min(first + ${PUSH_BATCH - 1}, #ARGV)))
end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'd', ARGV[2], 'w', ARGV[7], 'n', stored + #ARGV - ${FIRST_ADDED_ARG - 1})
${TTL_AND_RECENCY}
`);

/**
 * The record JSON and write token, plus the transcript lines unless the write token is ARGV[1] (the
 * caller holds those lines already). Both keys are read in one atomic step.
 */
const GET = defineRedisScript(`
local fields = redis.call('HMGET', KEYS[1], 'd', 'w')
if not fields[1] then return false end
local token = fields[2] or ''
if token ~= '' and token == ARGV[1] then return { fields[1], token } end
return { fields[1], token, redis.call('LRANGE', KEYS[2], 0, -1) }
`);

/**
 * Conversations as one hash per conversation (`v` version, `d` JSON without the transcript, `w` write
 * token, `n` transcript length) and the transcript as a list `conv:<id>:t`, both expired by Redis with
 * the same TTL, plus a sorted set by updatedAt for `listRecent`. A save pushes only the lines past the
 * stored ones this instance last read or wrote (under the same write token), so its cost does not grow
 * with the conversation; a rewritten older line trims the list there and pushes the rest. Hashes saved
 * before the transcript list existed keep the transcript inside `d`; they are read as they are and
 * moved to the list on their next save. Entries of expired conversations are dropped from the recency
 * set lazily when a listing meets them, and entries older than RECENT_WINDOW_MS on every save.
 */
export function createRedisConversationStore(client: RedisClient, prefix: string): ConversationStore {
  const key = (id: string): string => `${prefix}conv:${id}`;
  const transcriptKey = (id: string): string => `${prefix}conv:${id}:t`;
  const recentKey = `${prefix}conv:recent`;
  const cache = createTranscriptCache();
  const nextToken = createWriteTokens();

  const store: ConversationStore = {
    async getState(id) {
      assertId(id, 'conversation id');
      const [data, length] = await client.hmGet(key(id), ['d', 'n']);
      if (data == null) return undefined;
      const record = parseStored<ConversationRecord>(data, `conversation ${id}`);
      // Saved before the transcript list: its lines are inside the record (moved to the list by the next save).
      return stateOf(record, length == null ? (Array.isArray(record.transcript) ? record.transcript.length : 0) : Number(length));
    },
    async saveState(state, options) {
      assertConversationState(state);
      const ttlMs = assertTtl(options);
      cache.delete(state.id);
      const result = Number(await SAVE_STATE.run(client, [key(state.id), recentKey, transcriptKey(state.id)], [
        state.version, stateJson(state), ttlMs ?? '', state.updatedAt, state.id, state.storedLines, nextToken(), ...addedJson(state),
      ]));
      if (result === SAVED) return;
      if (result === LEGACY) {
        // Once per conversation saved by an older version: the whole record, which moves its lines to the list.
        const stored = await store.get(state.id);
        if (stored && stored.version === state.version - 1 && stored.transcript.length === state.storedLines) {
          const { storedLines: _stored, added, ...fields } = state;
          await store.save({ ...fields, transcript: [...stored.transcript, ...added] }, options);
          return;
        }
      }
      throw new VersionConflictError(state.id, state.version - 1, result >= 0 ? result : result === ABSENT ? undefined : state.version - 1);
    },
    async get(id) {
      assertId(id, 'conversation id');
      const cached = cache.get(id);
      const reply = await GET.run(client, [key(id), transcriptKey(id)], [cached?.token ?? '']) as null | [string, string, string[]?];
      if (reply == null) return undefined;
      const [data, token, list] = reply;
      const record = parseStored<ConversationRecord>(data, `conversation ${id}`);
      // Saved before the transcript list: the transcript is still inside the record.
      if (Array.isArray(record.transcript)) return record;
      let lines: StoredLines;
      if (list === undefined && cached) {
        lines = cached.lines;
      } else {
        lines = emptyLines();
        (list ?? []).forEach((json, index) => pushLine(lines, parseStored<StoredEntry>(json, `transcript line ${index} of conversation ${id}`)));
        if (token !== '') cache.set(id, token, lines);
      }
      record.transcript = copyLines(lines) as ConversationRecord['transcript'];
      return record;
    },
    async save(record, options) {
      assertConversationRecord(record);
      const ttlMs = assertTtl(options);
      const data = recordJsonWithoutTranscript(record);
      const attempt = async (known: { token: string; lines: StoredLines } | undefined): Promise<number | StoredLines> => {
        const keep = known && record.version > 1 ? sharedPrefix(record.transcript, known.lines) : 0;
        const added: string[] = [];
        for (let index = keep; index < record.transcript.length; index += 1) added.push(entryJson(record.transcript[index], record.id, index));
        const token = nextToken();
        const result = Number(await SAVE.run(client, [key(record.id), recentKey, transcriptKey(record.id)], [
          record.version, data, ttlMs ?? '', record.updatedAt, record.id, keep, known?.token ?? '', token, record.transcript.length, ...added,
        ]));
        if (result !== SAVED) return result;
        const lines = known ? headOf(known.lines, keep) : emptyLines();
        for (const json of added) pushLine(lines, JSON.parse(json) as StoredEntry);
        cache.set(record.id, token, lines);
        return lines;
      };
      let result = await attempt(cache.get(record.id));
      // Someone else wrote the conversation since this instance last saw it: send the whole transcript.
      if (result === STALE_LINES) {
        cache.delete(record.id);
        result = await attempt(undefined);
      }
      if (typeof result === 'number') {
        throw new VersionConflictError(record.id, record.version - 1, result === ABSENT ? undefined : result);
      }
    },
    async delete(id) {
      assertId(id, 'conversation id');
      cache.delete(id);
      await client.multi().del([key(id), transcriptKey(id)]).zRem(recentKey, id).exec();
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
  return store;
}
