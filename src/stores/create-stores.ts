import type { Clock, Stores } from '../core/ports';
import { createEmbeddedStores } from './embedded/create-embedded-stores';
import { createMemoryStores } from './memory/create-memory-stores';
import { createRedisStores } from './redis/create-redis-stores';

export interface StoresConfig {
  /** `memory` (tests, throwaway chats), `embedded` (default, one node) or `redis` (several nodes). */
  kind: 'memory' | 'embedded' | 'redis';
  /** Folder of `aspa.db` for `embedded` (ASPA_DATA_DIR). */
  dataDir?: string;
  /** For `redis` (REDIS_URL). */
  redisUrl?: string;
  redisKeyPrefix?: string;
  clock?: Clock;
  /** Redis connection errors after start-up; the client reconnects by itself. */
  onError?: (error: Error) => void;
}

/** Builds the configured store family; the composition root's one call. */
export async function createStores(config: StoresConfig): Promise<Stores> {
  switch (config.kind) {
    case 'memory':
      return createMemoryStores({ clock: config.clock });
    case 'embedded':
      return createEmbeddedStores({ dataDir: config.dataDir ?? './data', clock: config.clock });
    case 'redis':
      return createRedisStores({
        url: config.redisUrl ?? '', keyPrefix: config.redisKeyPrefix, clock: config.clock, onError: config.onError,
      });
    default:
      throw new Error(`unknown store kind ${String((config as { kind: unknown }).kind)}: use memory, embedded or redis`);
  }
}
