import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { configWarnings, type AspaConfig } from '../config/load-config';
import { createEngine, type Engine, type Integration } from '../core/engine';
import type { Logger } from '../core/logger';
import type { Clock, Stores } from '../core/ports';
import { systemClock } from '../core/ports';
import type { HandoffService } from '../core/services';
import type { WeekdayKey } from '../handoff/business-hours';
import { createHandoffService } from '../handoff/create-handoff-service';
import { createWebhookDispatcher, type WebhookDispatcher } from '../handoff/webhook-dispatcher';
import { createDemoOrderLookup } from '../integrations/demo-orders';
import { createBotFrameworkChannel } from '../channels/botframework/create-botframework-channel';
import { createWebChannel, type WebChannel } from '../channels/web/create-web-channel';
import { createEmbeddedStores } from '../stores/embedded/create-embedded-stores';
import { createMemoryStores } from '../stores/memory/create-memory-stores';
import { createBufferedEventLog } from '../stores/shared/buffered-event-log';
import { createApiRouter, createErrorHandler } from './create-api-router';
import { isRedisConnectionError } from '../stores/redis/redis-errors';
import { isStoreUnavailable } from '../stores/shared/store-errors';
import { createLogger } from './create-logger';
import { createMetrics } from './create-metrics';
import { createDashboard } from '../channels/web/dashboard/create-dashboard';
import { loadUiStrings } from '../channels/web/widget-strings';
import { checkBot, loadBot, type LoadedBot } from './load-bot';
import type { Diagnostic } from '../flows/diagnostic';
import { createBotVersionRegistry, type BotVersionRegistry } from '../core/bot-versions';
import { createStudio } from '../channels/web/studio/create-studio';
import { botVersionId } from './bot-version-id';
import { createBotReloader, type BotReloader } from './bot-reloader';
import { trainNluInWorker } from './train-nlu-worker';

export interface AspaOverrides {
  stores?: Stores;
  clock?: Clock;
  logger?: Logger;
  integrations?: Record<string, Integration>;
  /** A bot loaded once and shared (tests start many servers). */
  loaded?: LoadedBot;
  /** How a reload reads the files (tests: without training the NLU); default: loadBotFor(config). */
  loadBot?: () => LoadedBot | Promise<LoadedBot>;
  /** How the studio checks an edited locale folder (tests: without training the NLU); default: checkBot. */
  validateLocales?: (localesDir: string) => Diagnostic[];
}

export interface Aspa {
  config: AspaConfig;
  engine: Engine;
  stores: Stores;
  handoff: HandoffService;
  app: express.Express;
  server: http.Server;
  web: WebChannel;
  logger: Logger;
  /** The loaded bot versions (the current one and those live conversations still run on). */
  versions: BotVersionRegistry;
  /** Hot reload: file watch, the studio's reload endpoint, switches announced by other instances. */
  reloader: BotReloader;
  /** Starts listening (and on METRICS_LISTEN when set); resolves with the bound port. */
  listen(port?: number, host?: string): Promise<number>;
  /** The port /metrics listens on with METRICS_LISTEN, once `listen` resolved; undefined otherwise. */
  metricsPort(): number | undefined;
  close(): Promise<void>;
}

export const INTEGRATIONS = ['orders.lookup'];

export function createIntegrations(config: AspaConfig): Record<string, Integration> {
  return { 'orders.lookup': createDemoOrderLookup(path.join(config.flowsDir, 'data', 'orders.yaml')) };
}

export function loadBotFor(config: AspaConfig): LoadedBot {
  return loadBot({
    flowsDir: config.flowsDir,
    localesDir: config.localesDir,
    locales: config.locales,
    cacheDir: path.join(config.dataDir, 'nlu-cache'),
    orderNumberPattern: config.orderNumberPattern,
    oosThreshold: config.nluOosThreshold,
    integrations: INTEGRATIONS,
  });
}

/**
 * The phone channel, built only when Twilio is configured (the twilio and Google clients are loaded then, and
 * the Google client is never built without credentials: it would probe the cloud metadata server).
 */
async function createVoice(config: AspaConfig, engine: Engine, stores: Stores, versions: BotVersionRegistry, clock: Clock, logger: Logger) {
  const twilioConfig = config.twilio as { authToken: string; accountSid?: string };
  const { createVoiceChannel } = await import('../channels/voice/voice-channel');
  const { defaultVoiceConfig } = await import('../channels/voice/voice-config');
  const speech = config.googleSpeech ? (await import('../speech/google-speech-to-text')).createGoogleSpeechToText({ logger }) : undefined;
  // Stream mode plays prompts itself over the Media Stream (so callers can interrupt them): Google text-to-speech.
  const tts = config.googleSpeech && config.voiceMode === 'stream' ? (await import('../speech/google-text-to-speech')).createGoogleTextToSpeech() : undefined;
  const twilioClient = twilioConfig.accountSid ? (await import('twilio')).default(twilioConfig.accountSid, twilioConfig.authToken) : undefined;
  // On Redis, any instance may take a call's next webhook; in one process the memory store is enough.
  const calls = config.store === 'redis'
    ? await (await import('../stores/redis/redis-call-state-store')).createRedisCallStateStore({
        url: config.redisUrl as string, keyPrefix: config.redisKeyPrefix, onError: (error) => logger.error('voice.call_state.redis_error', { error: String(error) }),
      })
    : undefined;
  const channel = createVoiceChannel({
    engine, clock, logger, customers: stores.customers, tickets: stores.tickets, calls, tts,
    messages: (key, locale) => {
      const message = versions.current().catalog.get(locale, key);
      return message?.voice?.[0] ?? message?.text[0];
    },
    config: {
      ...defaultVoiceConfig,
      authToken: twilioConfig.authToken,
      publicUrl: config.publicUrl as string,
      mode: config.voiceMode,
      defaultLocale: config.defaultLocale,
      speechModels: { ...defaultVoiceConfig.speechModels, ...config.speechModels },
      transfer: { ...defaultVoiceConfig.transfer, ...Object.fromEntries(Object.entries(config.voiceTransfer).filter(([, value]) => value !== undefined)) },
    },
    speech,
    twilioClient,
    onCallEnded: (event) => logger.info('voice.call.ended', { ...event }),
  });
  return {
    ...channel,
    async close() {
      await channel.close();
      await calls?.close();
      await tts?.close();
    },
  };
}

/**
 * The handoff service as the configuration says (opening hours, holidays, time zone, webhook): the server and
 * `aspa chat` build it here, so the terminal chat answers as the server would.
 */
export function createHandoffFor(config: AspaConfig, deps: { stores: Stores; clock: Clock; logger: Logger; loaded: Pick<LoadedBot, 'catalog'> }): HandoffService {
  const { stores, clock, logger, loaded } = deps;
  return createHandoffService({
    tickets: stores.tickets,
    customers: stores.customers,
    outbox: stores.outbox,
    clock,
    hours: { timeZone: config.timeZone, weekly: config.openingHours as Partial<Record<WeekdayKey, string[]>> | undefined, holidays: config.holidays },
    routing: {},
    sinks: { webhook: config.ticketWebhook },
    // Agents read Finnish: topic names in the ticket summary come from the fi button labels.
    summary: { intentLabel: (intent) => { const label = loaded.catalog.get('fi', `intents.${intent}`); return label?.text[0]; } },
    logger,
    // A retried turn finds its ticket for as long as its conversation could still be going on.
    ticketKeyTtlMs: config.idleTimeoutMs,
  });
}

/** The engine's options from the configuration (shared by the server and `aspa chat`). */
export function engineOptionsFor(config: AspaConfig) {
  return { locales: config.locales, defaultLocale: config.defaultLocale, idleTimeoutMs: config.idleTimeoutMs, maxTextLength: config.maxTextLength };
}

/** Analytics are written in batches (a commit per turn is the store's cost to keep for conversations only). */
function withBufferedAnalytics(stores: Stores, logger: Logger): Stores {
  const events = createBufferedEventLog(stores.events, { onError: (error) => logger.warn('stores.analytics.flush_failed', { error: String(error) }) });
  return {
    ...stores,
    events,
    async close() {
      await events.close();
      await stores.close();
    },
  };
}

async function createStores(config: AspaConfig, clock: Clock, logger: Logger): Promise<Stores> {
  if (config.store === 'memory') return createMemoryStores({ clock });
  if (config.store === 'redis') {
    // Loaded only when used: a default install never touches the Redis client.
    const { createRedisStores } = await import('../stores/redis/create-redis-stores');
    return createRedisStores({ url: config.redisUrl as string, keyPrefix: config.redisKeyPrefix, clock,
      onError: (error: unknown) => logger.error('stores.redis.connection_error', { error: String(error) }),
    });
  }
  fs.mkdirSync(config.dataDir, { recursive: true });
  return createEmbeddedStores({ dataDir: config.dataDir, clock });
}

/** The conversation tests (as `aspa test` finds them) on the current version, with their coverage of the flows. */
async function runStudioTests(config: AspaConfig, versions: BotVersionRegistry, integrations: Record<string, Integration>) {
  const { runScripts } = await import('../testing/run-scripts');
  const { createCoverageRecorder } = await import('../testing/flow-coverage');
  const { loadFlows } = await import('../flows/load-flows');
  const current = versions.current();
  const coverage = createCoverageRecorder(loadFlows(config.flowsDir).flows.map((loaded) => loaded.flow));
  const paths = [path.resolve('test/conversations'), path.resolve('test/voice/conversations')].filter((dir) => fs.existsSync(dir));
  const run = await runScripts(paths, { bot: current.bot, catalog: current.catalog, nlu: current.nlu, diagnostics: [] }, integrations, { onStateChange: coverage.record });
  return { ...run, coverage: coverage.report() };
}

/** The composition root: the only place that knows which adapters are in use. */
export async function createAspa(config: AspaConfig, overrides: AspaOverrides = {}): Promise<Aspa> {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const loaded = overrides.loaded ?? loadBotFor(config);
  const stores = overrides.stores ?? withBufferedAnalytics(await createStores(config, clock, logger), logger);
  const versions = createBotVersionRegistry(
    { id: botVersionId(config.flowsDir, config.localesDir), bot: loaded.bot, catalog: loaded.catalog, nlu: loaded.nlu },
    { keepUnusedMs: config.idleTimeoutMs, now: () => clock.now() },
  );
  const reloader = createBotReloader({
    versions, pointer: stores.botVersion, flowsDir: config.flowsDir, localesDir: config.localesDir,
    load: overrides.loadBot ?? (async () => {
      await trainNluInWorker({ localesDir: config.localesDir, locales: config.locales, cacheDir: path.join(config.dataDir, 'nlu-cache'), orderNumberPattern: config.orderNumberPattern });
      return loadBotFor(config);
    }),
    logger, now: () => Date.now(), watch: config.watchFlows,
  });
  // Topic names in ticket summaries follow the bot version being served.
  const handoff = createHandoffFor(config, { stores, clock, logger, loaded: { get catalog() { return versions.current().catalog; } } });
  for (const warning of configWarnings(config)) logger.warn(warning.event, { message: warning.message });
  const metrics = createMetrics(stores, clock, { idleTimeoutMs: config.idleTimeoutMs, timeZone: config.timeZone }, { token: config.metrics.token });
  const engine = metrics.instrument(createEngine({
    versions,
    stores,
    handoff,
    integrations: overrides.integrations ?? createIntegrations(config),
    clock,
    logger,
    options: engineOptionsFor(config),
  }));

  let dispatcher: WebhookDispatcher | undefined;
  if (config.ticketWebhook) {
    dispatcher = createWebhookDispatcher({
      ...config.ticketWebhook,
      outbox: stores.outbox,
      clock,
      logger,
      send: async (request) => {
        const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body, signal: request.signal ?? AbortSignal.timeout(10_000) });
        return { status: response.status };
      },
    });
    dispatcher.start();
  }

  // One reading of "the store is down" for every HTTP error handler (the web channel's and the app's).
  const storeUnavailable = (error: unknown): boolean => isStoreUnavailable(error, isRedisConnectionError);
  const web = createWebChannel({
    engine,
    stores,
    storeUnavailable,
    clock,
    logger,
    localesDir: config.localesDir,
    intentLabel: (intent, locale) => loaded.catalog.get(locale, `intents.${intent}`)?.text[0],
    config: {
      allowedOrigins: config.webAllowedOrigins,
      agentToken: config.agentToken,
      agentUsersFile: config.agentUsersFile,
      agentSessionSecret: config.agentSessionSecret,
      defaultLocale: config.defaultLocale,
      // Always Secure behind an https PUBLIC_URL; otherwise per request, when it came over TLS (TRUST_PROXY for proxies).
      secureCookies: Boolean(config.publicUrl?.startsWith('https:')),
      agentSessionTtlMs: 12 * 3_600_000,
    },
  });

  const botFramework = createBotFrameworkChannel({ engine, config: config.botFramework, logger, bus: stores.bus });
  const voice = config.twilio && config.publicUrl ? await createVoice(config, engine, stores, versions, clock, logger) : undefined;
  const studio = createStudio({
    sessions: web.sessions, reloader, versions, engine, flowsDir: config.flowsDir, locales: config.locales, logger,
    conversations: stores.conversations, lock: stores.lock, idleTimeoutMs: config.idleTimeoutMs, now: () => clock.now(),
    runTests: () => runStudioTests(config, versions, overrides.integrations ?? createIntegrations(config)),
    localesDir: config.localesDir,
    validateLocales: overrides.validateLocales ?? ((localesDir) => checkBot({
      flowsDir: config.flowsDir, localesDir, locales: config.locales, cacheDir: path.join(config.dataDir, 'nlu-cache'),
      orderNumberPattern: config.orderNumberPattern, oosThreshold: config.nluOosThreshold, integrations: INTEGRATIONS,
    }).diagnostics),
  });
  await reloader.start();

  const app = express();
  app.disable('x-powered-by');
  // Behind a reverse proxy: req.ip (login limits per address) and req.secure (Secure cookies) come from its headers.
  app.set('trust proxy', config.trustProxy);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', store: config.store, flows: versions.current().bot.flows, locales: config.locales, botVersion: versions.current().id });
  });
  // With METRICS_LISTEN the metrics are served only there (a private address), not on the public port.
  const metricsServer = config.metrics.listen ? http.createServer(express().disable('x-powered-by').use(metrics.router)) : undefined;
  if (!metricsServer) app.use(metrics.router);
  app.use(createDashboard({
    sources: stores, clock, sessionOf: (req) => web.agentSession(req), strings: loadUiStrings(config.localesDir, 'dashboard.yaml'),
    locale: config.defaultLocale, timeZone: config.timeZone, idleTimeoutMs: config.idleTimeoutMs,
    channels: ['web', 'voice', 'api', 'botframework'], queues: ['general', 'billing', 'technical', 'orders'],
  }));
  app.use(createApiRouter({ engine, logger, isAgent: (req) => web.isAgentRequest(req) }));
  if (voice) app.use('/voice', voice.router);
  app.use(botFramework.router);
  app.use(studio.router);
  app.use(web.router);
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'No such endpoint.' } });
  });
  app.use(createErrorHandler(logger, storeUnavailable));

  // The widget's turn endpoints are served before express sees them (the web channel's fast path).
  const server = http.createServer((req, res) => {
    if (!web.fastPath(req, res)) app(req, res);
  });
  server.on('upgrade', (req, socket, head) => {
    if (web.handleUpgrade(req, socket, head)) return;
    if (voice?.handleUpgrade(req, socket, head)) return;
    socket.destroy();
  });

  return {
    config, engine, stores, handoff, app, server, web, logger, versions, reloader,
    async listen(port = config.port, host = config.host) {
      if (metricsServer && config.metrics.listen) {
        const { host: metricsHost, port: metricsPort } = config.metrics.listen;
        await new Promise<void>((resolve, reject) => {
          metricsServer.once('error', reject);
          metricsServer.listen(metricsPort, metricsHost, () => resolve());
        });
      }
      return new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
      });
    },
    metricsPort: () => (metricsServer?.listening ? (metricsServer.address() as AddressInfo).port : undefined),
    async close() {
      await reloader.close();
      await dispatcher?.stop();
      await web.close();
      await voice?.close();
      await botFramework.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (metricsServer?.listening) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      server.closeAllConnections?.();
      if (!overrides.stores) await stores.close();
    },
  };
}
