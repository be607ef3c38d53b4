import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import express from 'express';
import { createWebChannel } from '../../../src/channels/web/create-web-channel';
import { silentLogger } from '../../../src/core/logger';
import type { Clock, Stores } from '../../../src/core/ports';
import type { ConversationEngine } from '../../../src/core/services';
import { createMemoryStores } from '../../../src/stores/memory/create-memory-stores';
import { createFakeEngine } from '../../web/support/fake-engine';

export const ROOT = path.resolve(__dirname, '../../..');
export const E2E_AGENT_TOKEN = 'e2e-agent-token-0123456789';

/**
 * Tuesday 24 Nov 2026 10:00 in Helsinki (08:00 UTC): inside opening hours, not a holiday.
 * The clock starts there and runs with real time, so SLA countdowns and lock leases behave normally.
 */
export function openingHoursClock(): Clock {
  const start = Date.UTC(2026, 10, 24, 8, 0, 0);
  const real = Date.now();
  return { now: () => start + (Date.now() - real) };
}

/** A clock that runs with real time from `start` and can be moved forward (a day of traffic in a few seconds). */
export function steppedClock(start: number): Clock & { advance(ms: number): void; set(at: number): void } {
  let offset = start - Date.now();
  return {
    now: () => Date.now() + offset,
    advance(ms) { offset += ms; },
    set(at) { offset = at - Date.now(); },
  };
}

export interface E2eServer {
  baseUrl: string;
  /** Cuts every WebSocket abruptly (as a network drop would); returns how many. */
  dropSockets(): number;
  close(): Promise<void>;
}

function trackSockets(server: http.Server): () => number {
  const sockets = new Set<Duplex>();
  server.on('upgrade', (_req, socket: Duplex) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return () => {
    const count = sockets.size;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    return count;
  };
}

/**
 * The real server for browser tests: the lead's composition (`createAspa`) with memory stores when it
 * loads; otherwise the same pieces assembled here (engine, handoff, demo flows, web channel).
 * `ASPA_E2E_FAKE_ENGINE=1` swaps in the small fake engine of test/web, to work on the UI alone.
 */
export async function startE2eServer(options: { allowedOrigins?: string[]; clock?: Clock; env?: Record<string, string> } = {}): Promise<E2eServer> {
  const clock = options.clock ?? openingHoursClock();
  const stores = createMemoryStores({ clock });
  const allowedOrigins = options.allowedOrigins ?? [];
  if (process.env.ASPA_E2E_FAKE_ENGINE === '1') return serveChannel(createFakeEngine(stores, clock), stores, clock, path.join(ROOT, 'locales'), allowedOrigins);

  const { loadConfig } = await import('../../../src/config/load-config');
  const env = {
    ASPA_STORE: 'memory', LOG_LEVEL: 'silent', AGENT_TOKEN: E2E_AGENT_TOKEN, ASPA_DATA_DIR: path.join(ROOT, 'test-output', 'e2e-data'),
    WEB_ALLOWED_ORIGINS: (options.allowedOrigins ?? []).join(','),
    ...options.env,
  };
  const config = loadConfig(env, ROOT);

  let composition: typeof import('../../../src/server/composition') | undefined;
  try {
    composition = await import('../../../src/server/composition');
  } catch {
    composition = undefined;
  }
  if (composition) {
    const aspa = await composition.createAspa(config, { clock, stores, logger: silentLogger });
    const dropSockets = trackSockets(aspa.server);
    const port = await aspa.listen(0, '127.0.0.1');
    return { baseUrl: `http://127.0.0.1:${port}`, dropSockets, close: async () => { await aspa.close(); await stores.close(); } };
  }

  const { createEngine } = await import('../../../src/core/engine');
  const { createHandoffService } = await import('../../../src/handoff/create-handoff-service');
  const { createDemoOrderLookup } = await import('../../../src/integrations/demo-orders');
  const { loadBot } = await import('../../../src/server/load-bot');
  const loaded = loadBot({ flowsDir: config.flowsDir, localesDir: config.localesDir, locales: config.locales, integrations: ['orders.lookup'] });
  const handoff = createHandoffService({
    tickets: stores.tickets, customers: stores.customers, outbox: stores.outbox, clock,
    hours: { timeZone: config.timeZone }, routing: {}, sinks: {}, logger: silentLogger,
  });
  const engine = createEngine({
    bot: loaded.bot, catalog: loaded.catalog, nlu: loaded.nlu, stores, handoff, clock, logger: silentLogger,
    integrations: { 'orders.lookup': createDemoOrderLookup(path.join(config.flowsDir, 'data', 'orders.yaml')) },
  });
  return serveChannel(engine, stores, clock, config.localesDir, allowedOrigins);
}

async function serveChannel(engine: ConversationEngine, stores: Stores, clock: Clock, localesDir: string, allowedOrigins: string[]): Promise<E2eServer> {
  const web = createWebChannel({
    engine, stores, clock, logger: silentLogger, localesDir,
    config: { allowedOrigins, agentToken: E2E_AGENT_TOKEN, defaultLocale: 'fi', secureCookies: false, agentSessionTtlMs: 3_600_000 },
  });
  const app = express();
  app.use(web.router);
  const server = http.createServer(app);
  server.on('upgrade', (req, socket, head) => { if (!web.handleUpgrade(req, socket, head)) socket.destroy(); });
  const dropSockets = trackSockets(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    dropSockets,
    async close() {
      await web.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stores.close();
    },
  };
}
