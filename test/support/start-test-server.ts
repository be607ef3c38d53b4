import * as path from 'node:path';
import { loadConfig } from '../../src/config/load-config';
import { createMemoryStores } from '../../src/stores/memory/create-memory-stores';
import { createAspa, type Aspa, type AspaOverrides } from '../../src/server/composition';
import { silentLogger } from '../../src/core/logger';
import { loadMiniBot, MINI_BOT_DIR } from './mini-bot';

export const TEST_TIME = Date.parse('2026-12-02T10:00:00+02:00');

/** A real HTTP server on an ephemeral loopback port, with memory stores and a fixed clock. */
export async function startTestServer(overrides: AspaOverrides & { env?: Record<string, string> } = {}): Promise<{ aspa: Aspa; base: string }> {
  let now = TEST_TIME;
  const clock = overrides.clock ?? { now: () => (now += 10) };
  const config = loadConfig({
    ASPA_FLOWS_DIR: path.join(MINI_BOT_DIR, 'flows'),
    ASPA_LOCALES_DIR: path.join(MINI_BOT_DIR, 'locales'),
    ASPA_LOCALES: 'fi,en',
    ASPA_STORE: 'memory',
    LOG_LEVEL: 'silent',
    AGENT_TOKEN: 'agent-secret-token',
    ASPA_WATCH_FLOWS: 'off',
    ...overrides.env,
  });
  const aspa = await createAspa(config, {
    loaded: overrides.loaded ?? loadMiniBot(),
    loadBot: overrides.loadBot,
    stores: overrides.stores ?? createMemoryStores({ clock }),
    clock,
    logger: overrides.logger ?? silentLogger,
    integrations: overrides.integrations ?? { 'orders.lookup': async () => ({ outcome: 'found', result: { status: 'toimitettu' } }) },
  });
  const port = await aspa.listen(0, '127.0.0.1');
  return { aspa, base: `http://127.0.0.1:${port}` };
}
