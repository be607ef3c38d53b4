import type { AgentSessionRecord, AgentSessionStore, AttemptCounters, Clock } from '../../core/ports';
import { assertAgentSession, assertAttempt, assertId, parseStored, toStored } from '../shared/store-validation';
import { defineRedisScript, type RedisClient } from './redis-script';

/**
 * Agent console sessions as `agent-session:<id>` JSON strings with a Redis expiry at the session's end, so every
 * instance sees a logout at once and Redis itself deletes what expired.
 */
export function createRedisAgentSessionStore(client: RedisClient, prefix: string, clock: Clock): AgentSessionStore {
  const key = (id: string): string => `${prefix}agent-session:${id}`;
  return {
    async create(session) {
      assertAgentSession(session);
      const ttl = Math.ceil(session.expiresAt - clock.now());
      if (ttl <= 0) return;
      await client.set(key(session.id), toStored(session, 'agent session'), { PX: ttl });
    },
    async get(id) {
      assertId(id, 'agent session id');
      const data = await client.get(key(id));
      if (data == null) return undefined;
      const session = parseStored<AgentSessionRecord>(data, 'agent session');
      return session.expiresAt > clock.now() ? session : undefined;
    },
    async revoke(id) {
      assertId(id, 'agent session id');
      await client.del(key(id));
    },
  };
}

/**
 * Fixed window: the first addition sets the count with the window as its expiry; later ones INCRBY within it.
 * KEYS: counter. ARGV: by, windowMs. Answers {count, ms left in the window}.
 */
const ADD = defineRedisScript(`
local by = tonumber(ARGV[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  if by <= 0 then
    redis.call('DEL', KEYS[1])
    return {0, 0}
  end
  redis.call('SET', KEYS[1], by, 'PX', ARGV[2])
  return {by, tonumber(ARGV[2])}
end
local count = redis.call('INCRBY', KEYS[1], by)
if count < 0 then
  redis.call('SET', KEYS[1], 0, 'KEEPTTL')
  count = 0
end
return {count, left}
`);

/** Failed-login counters as `attempts:<key>` integers that Redis expires at the end of their window. */
export function createRedisAttemptCounters(client: RedisClient, prefix: string): AttemptCounters {
  const key = (name: string): string => `${prefix}attempts:${name}`;
  return {
    async add(name, by, windowMs) {
      const window = assertAttempt(name, by, windowMs);
      const [count, left] = (await ADD.run(client, [key(name)], [by, window])) as [number, number];
      return { count: Number(count), resetInMs: Number(left) };
    },
    async reset(name) {
      assertId(name, 'attempt counter key');
      await client.del(key(name));
    },
  };
}
