import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import express from 'express';
import type { Clock, Stores } from '../../core/ports';
import type { ConversationEngine, OutboundMessage } from '../../core/services';
import { isLocale, type Locale } from '../../core/turn';
import { createAgentConsole } from './agent-console/create-agent-console';
import { createAgentSessions, loadAgentUsers, type AgentSession, type AgentSessions } from './agent-console/agent-sessions';
import { escapeHtml } from './agent-console/agent-pages';
import { createWebApi, createWebApiTurns } from './create-web-api';
import { createWidgetApiFastPath } from './widget-api-fast-path';
import { resolveAssetsDir } from './resolve-assets-dir';
import type { WebConfig } from './web-config';
import { createWebConversations } from './web-conversations';
import type { Logger } from '../../core/logger';
import { loadUiStrings } from './widget-strings';
import { createWidgetSocketServer } from './widget-socket-server';

export interface WebChannel {
  /** Mount on the app: `app.use(channel.router)`. Serves `/`, `/widget.js`, `/assets/*`, `/api/web/*`, `/agent*`, `/api/agent/*`. */
  router: express.Router;
  /**
   * The widget's turn endpoints without express: call first from the HTTP server's request handler; false means
   * "not mine, hand it to the app" (the router serves the same endpoints for everything the fast path leaves).
   */
  fastPath(req: IncomingMessage, res: ServerResponse): boolean;
  /** Call from the HTTP server's `upgrade` event; returns false for paths that are not `/ws` or `/agent/ws`. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** True when the request carries a live agent console login (lets agents read any conversation); asks the store. */
  isAgentRequest(req: IncomingMessage): Promise<boolean>;
  /** The live agent console login of a request, with its roles; asks the store. */
  agentSession(req: IncomingMessage): Promise<AgentSession | undefined>;
  /** The console's logins, for other pages behind the same login (the studio). */
  sessions: AgentSessions;
  close(): Promise<void>;
}

export interface WebChannelDeps {
  engine: ConversationEngine;
  stores: Stores;
  config: WebConfig;
  logger: Logger;
  clock: Clock;
  /** The `locales/` folder: `<lang>/widget.yaml` and `<lang>/agent-console.yaml`. */
  localesDir: string;
  /** Defaults to `src/channels/web/assets` found from this file (works from `src/` and `dist/src/`). */
  assetsDir?: string;
  /** Readable topic names for the agent console (the bot's `intents.<intent>` button labels). */
  intentLabel?: (intent: string, locale: Locale) => string | undefined;
  /** Whether an error means the store cannot be reached now: answered 503 `store_unavailable` with Retry-After. */
  storeUnavailable?: (error: unknown) => boolean;
}

// Pages are ours alone: no inline script, no framing by other sites.
const PAGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** The web chat channel (widget, its API and socket) and the agent console, as one mountable unit. */
export function createWebChannel(deps: WebChannelDeps): WebChannel {
  const { engine, stores, config, logger, clock } = deps;
  const assetsDir = deps.assetsDir ?? resolveAssetsDir();
  const widgetStrings = loadUiStrings(deps.localesDir, 'widget.yaml');
  const consoleStrings = loadUiStrings(deps.localesDir, 'agent-console.yaml');
  const demoTemplate = fs.readFileSync(path.join(assetsDir, 'demo.html'), 'utf8');

  const conversations = createWebConversations({ engine, stores, clock, logger });
  const sessions = createAgentSessions({
    secret: config.agentSessionSecret,
    token: config.agentToken,
    users: config.agentUsersFile ? loadAgentUsers(config.agentUsersFile) : undefined,
    clock,
    ttlMs: config.agentSessionTtlMs,
    store: stores.agentSessions,
  });
  const agentConsole = createAgentConsole({
    engine, stores, clock, logger, sessions, strings: consoleStrings, locale: config.defaultLocale,
    secureCookies: config.secureCookies, sessionTtlMs: config.agentSessionTtlMs, intentLabel: deps.intentLabel, loginThrottle: config.loginThrottle,
  });

  function onCustomerTurn(conversationId: string, ticketCreated: boolean): void {
    agentConsole.notify({ type: 'conversation_changed', conversationId });
    if (ticketCreated) agentConsole.notify({ type: 'tickets_changed' });
  }
  const widgetSockets = createWidgetSocketServer({ conversations, allowedOrigins: config.allowedOrigins, logger, onCustomerTurn });

  // Agent messages published by any instance reach the customer's socket on this one.
  const unsubscribe = stores.bus.subscribe((message: OutboundMessage) => {
    widgetSockets.deliver(message).catch((error: unknown) => {
      logger.error('web.bus.deliver_failed', { conversationId: message.conversationId, err: error instanceof Error ? error.message : String(error) });
    });
    agentConsole.notify({ type: 'conversation_changed', conversationId: message.conversationId });
  });
  unsubscribe.catch((error: unknown) => logger.error('web.bus.subscribe_failed', { err: error instanceof Error ? error.message : String(error) }));

  const router = express.Router();
  router.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    next();
  });

  router.get('/widget.js', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    res.type('application/javascript').sendFile(path.join(assetsDir, 'widget.js'));
  });
  // Browsers ask for /favicon.ico on any page without an icon link (a site embedding the widget has its own).
  router.get('/favicon.ico', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.type('image/svg+xml').sendFile(path.join(assetsDir, 'favicon.svg'));
  });
  router.use('/assets', express.static(assetsDir, {
    index: false, maxAge: '5m',
    setHeaders: (res) => res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin'),
  }));

  router.get('/', (req, res) => {
    const lang = typeof req.query.lang === 'string' && isLocale(req.query.lang) ? req.query.lang : config.defaultLocale;
    res.setHeader('Content-Security-Policy', PAGE_CSP);
    res.type('html').send(demoTemplate.replace(/\{\{lang\}\}/g, escapeHtml(lang)));
  });

  const turns = createWebApiTurns({ conversations, defaultLocale: config.defaultLocale, logger, events: { onCustomerTurn }, storeUnavailable: deps.storeUnavailable });
  router.use(createWebApi({
    conversations, strings: widgetStrings, allowedOrigins: config.allowedOrigins, defaultLocale: config.defaultLocale, logger,
    events: { onCustomerTurn }, turns,
  }));
  router.use((req, res, next) => {
    if (req.path === '/agent' || req.path.startsWith('/agent/')) res.setHeader('Content-Security-Policy', PAGE_CSP);
    next();
  });
  router.use(agentConsole.router);

  return {
    router,
    fastPath: createWidgetApiFastPath({ turns, allowedOrigins: config.allowedOrigins }),
    isAgentRequest: agentConsole.isAgentRequest,
    agentSession: (req) => sessions.fromRequest(req),
    sessions,
    handleUpgrade(req, socket, head) {
      const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (pathname === '/ws') { widgetSockets.handleUpgrade(req, socket, head); return true; }
      if (pathname === '/agent/ws') { agentConsole.handleUpgrade(req, socket, head); return true; }
      return false;
    },
    async close() {
      await Promise.allSettled([
        unsubscribe.then((stop) => stop()),
        widgetSockets.close(),
        agentConsole.close(),
      ]);
    },
  };
}
