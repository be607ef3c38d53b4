/**
 * `npm run bench:memory`: does the server's memory stay bounded over many conversations? Runs N conversations
 * (default 10,000, a 5-line Finnish script each) through the engine on Redis (REDIS_URL) or the embedded store,
 * and prints the heap after a full GC every 1,000 conversations. A leak shows as a heap that keeps growing; the
 * caches (live dialog actors, the transcript cache of 100,000 lines) level off.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../src/config/load-config';
import { createEngine } from '../src/core/engine';
import { silentLogger } from '../src/core/logger';
import { systemClock, type Stores } from '../src/core/ports';
import { createHandoffService } from '../src/handoff/create-handoff-service';
import { createIntegrations, loadBotFor } from '../src/server/composition';
import { createEmbeddedStores } from '../src/stores/embedded/create-embedded-stores';
import { createRedisStores } from '../src/stores/redis/create-redis-stores';
import { REPO_ROOT } from './bench-report';

const SCRIPT = ['missä tilaukseni on', '12345', 'milloin asiakaspalvelu on auki', 'kyllä kiitos', 'miten palautan tuotteen'];

async function main(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc (npm run bench:memory does)');
  const conversations = Number(process.argv[2] ?? 10_000);
  const redisUrl = process.env.REDIS_URL;
  const prefix = `aspa-memory-bench-${process.pid}:`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aspa-memory-bench-'));
  const config = loadConfig({ LOG_LEVEL: 'silent', ASPA_DATA_DIR: dataDir }, REPO_ROOT);
  const loaded = loadBotFor(config);
  const stores: Stores = redisUrl ? await createRedisStores({ url: redisUrl, keyPrefix: prefix }) : createEmbeddedStores({ dataDir });
  const handoff = createHandoffService({ tickets: stores.tickets, customers: stores.customers, outbox: stores.outbox, clock: systemClock, hours: {}, routing: {}, sinks: {} });
  const engine = createEngine({ bot: loaded.bot, catalog: loaded.catalog, nlu: loaded.nlu, stores, handoff, integrations: createIntegrations(config), clock: systemClock, logger: silentLogger });
  console.log(`memory over ${conversations} conversations on ${redisUrl ? 'Redis' : 'the embedded store'} (heap after a full GC):`);
  for (let c = 0; c < conversations; c++) {
    for (const text of SCRIPT) await engine.handleTurn({ conversationId: `memory-${c}`, channel: 'api', input: { kind: 'text', text } });
    if ((c + 1) % 1000 === 0) {
      gc();
      const usage = process.memoryUsage();
      console.log(`  ${String(c + 1).padStart(6)} conversations: heap ${(usage.heapUsed / 1e6).toFixed(1)} MB, rss ${(usage.rss / 1e6).toFixed(1)} MB`);
    }
  }
  await stores.close();
  if (redisUrl) {
    const { createClient } = await import('redis');
    const client = createClient({ url: redisUrl });
    await client.connect();
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) if (keys.length) await client.del(keys);
    await client.quit();
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
