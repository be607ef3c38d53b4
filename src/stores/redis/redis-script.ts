import { createHash } from 'node:crypto';
import type { createClient } from 'redis';

export type RedisClient = ReturnType<typeof createClient>;

/** A Lua script run with EVALSHA, falling back to EVAL (which caches it) after a restart or SCRIPT FLUSH. */
export interface RedisScript {
  run(client: RedisClient, keys: string[], args: Array<string | number>): Promise<unknown>;
}

export function defineRedisScript(source: string): RedisScript {
  const sha = createHash('sha1').update(source).digest('hex');
  return {
    async run(client, keys, args) {
      const options = { keys, arguments: args.map(String) };
      try {
        return await client.evalSha(sha, options);
      } catch (error) {
        if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
        return client.eval(source, options);
      }
    },
  };
}

/** Replaces the stored string only when it is still `expected` (optimistic update of a JSON document). */
export const COMPARE_AND_SET = defineRedisScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0
`);
