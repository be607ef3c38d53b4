import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { AspaConfig } from '../config/load-config';
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
import { createLogger } from './create-logger';
import { createMetrics } from './create-metrics';
import { computeServiceMetrics } from '../analytics/service-metrics';
import { loadBot, type LoadedBot } from './load-bot';

export interface AspaOverrides {
  stores?: Stores;
  clock?: Clock;
  logger?: Logger;
  integrations?: Record<string, Integration>;
  /** A bot loaded once and shared (tests start many servers). */
  loaded?: LoadedBot;
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
  /** Starts listening; resolves with the bound port. */
  listen(port?: number, host?: string): Promise<number>;
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
async function createVoice(config: AspaConfig, engine: Engine, stores: Stores, loaded: LoadedBot, clock: Clock, logger: Logger) {
  const twilioConfig = config.twilio as { authToken: string; accountSid?: string };
  const { createVoiceChannel } = await import('../channels/voice/voice-channel');
  const { defaultVoiceConfig } = await import('../channels/voice/voice-config');
  const speech = config.googleSpeech ? (await import('../speech/google-speech-to-text')).createGoogleSpeechToText({ logger }) : undefined;
  const twilioClient = twilioConfig.accountSid ? (await import('twilio')).default(twilioConfig.accountSid, twilioConfig.authToken) : undefined;
  // On Redis, any instance may take a call's next webhook; in one process the memory store is enough.
  const calls = config.store === 'redis'
    ? await (await import('../stores/redis/redis-call-state-store')).createRedisCallStateStore({
        url: config.redisUrl as string, keyPrefix: config.redisKeyPrefix, onError: (error) => logger.error('voice.call_state.redis_error', { error: String(error) }),
      })
    : undefined;
  const channel = createVoiceChannel({
    engine, clock, logger, customers: stores.customers, calls,
    messages: (key, locale) => {
      const message = loaded.catalog.get(locale, key);
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
    },
  };
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

/** The composition root: the only place that knows which adapters are in use. */
export async function createAspa(config: AspaConfig, overrides: AspaOverrides = {}): Promise<Aspa> {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const loaded = overrides.loaded ?? loadBotFor(config);
  const stores = overrides.stores ?? withBufferedAnalytics(await createStores(config, clock, logger), logger);
  const handoff = createHandoffService({
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
  const metrics = createMetrics(stores.events, clock);
  const engine = metrics.instrument(createEngine({
    bot: loaded.bot,
    catalog: loaded.catalog,
    nlu: loaded.nlu,
    stores,
    handoff,
    integrations: overrides.integrations ?? createIntegrations(config),
    clock,
    logger,
    options: { locales: config.locales, defaultLocale: config.defaultLocale, idleTimeoutMs: config.idleTimeoutMs, maxTextLength: config.maxTextLength },
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

  const web = createWebChannel({
    engine,
    stores,
    clock,
    logger,
    localesDir: config.localesDir,
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
  const voice = config.twilio && config.publicUrl ? await createVoice(config, engine, stores, loaded, clock, logger) : undefined;

  const app = express();
  app.disable('x-powered-by');
  // Behind a reverse proxy: req.ip (login limits per address) and req.secure (Secure cookies) come from its headers.
  app.set('trust proxy', config.trustProxy);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', store: config.store, flows: loaded.bot.flows, locales: config.locales });
  });
  app.use(metrics.router);
  app.get('/api/analytics/summary', async (req, res, next) => {
    try {
      if (!(await web.isAgentRequest(req))) {
        res.status(401).json({ error: { code: 'login_required', message: 'Log in to the agent console first.' } });
        return;
      }
      const days = Math.min(Math.max(Number(req.query.days ?? 7) || 7, 1), 90);
      res.json({ days, ...computeServiceMetrics(await stores.events.query({ since: clock.now() - days * 86_400_000, limit: 200_000 })) });
    } catch (error) {
      next(error);
    }
  });
  app.use(createApiRouter({ engine, logger, isAgent: (req) => web.isAgentRequest(req) }));
  if (voice) app.use('/voice', voice.router);
  app.use(botFramework.router);
  app.use(web.router);
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'No such endpoint.' } });
  });
  app.use(createErrorHandler(logger));

  const server = http.createServer(app);
  server.on('upgrade', (req, socket, head) => {
    if (web.handleUpgrade(req, socket, head)) return;
    if (voice?.handleUpgrade(req, socket, head)) return;
    socket.destroy();
  });

  return {
    config, engine, stores, handoff, app, server, web, logger,
    listen: (port = config.port, host = config.host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
      }),
    async close() {
      await dispatcher?.stop();
      await web.close();
      await voice?.close();
      await botFramework.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      if (!overrides.stores) await stores.close();
    },
  };
}
