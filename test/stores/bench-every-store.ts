/**
 * Runs a store benchmark against every adapter family: memory, embedded (in a temporary folder, once per variant)
 * and Redis when REDIS_URL is set (under a private key prefix that is deleted afterwards). Shared by the
 * bench-*.ts scripts in this folder; not a jest test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import type { Stores } from '../../src/core/ports';
import { createEmbeddedStores, type EmbeddedStoresOptions } from '../../src/stores/embedded/create-embedded-stores';
import { createMemoryStores } from '../../src/stores/memory/create-memory-stores';
import { createRedisStores } from '../../src/stores/redis/create-redis-stores';

export interface EmbeddedVariant {
  name: string;
  options?: Omit<EmbeddedStoresOptions, 'dataDir'>;
}

/** `only` ("memory", "embedded" or "redis") limits the run to one family. */
export async function benchEveryStore(
  bench: (name: string, stores: Stores) => Promise<void>,
  options: { embedded?: EmbeddedVariant[]; only?: string } = {},
): Promise<void> {
  const { only } = options;
  if (!only || only === 'memory') await bench('memory', createMemoryStores());
  if (!only || only === 'embedded') {
    for (const variant of options.embedded ?? [{ name: 'embedded' }]) {
      const dir = mkdtempSync(join(tmpdir(), 'aspa-bench-'));
      await bench(variant.name, createEmbeddedStores({ ...variant.options, dataDir: dir }));
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const url = process.env.REDIS_URL;
  if (url && (!only || only === 'redis')) {
    const keyPrefix = `aspa-bench:${process.pid}:`;
    await bench('redis', await createRedisStores({ url, keyPrefix }));
    const client = createClient({ url });
    await client.connect();
    for await (const keys of client.scanIterator({ MATCH: `${keyPrefix}*`, COUNT: 500 })) {
      if (keys.length > 0) await client.del(keys);
    }
    await client.close();
  }
}
