import type { IncomingHttpHeaders } from 'node:http';
import express, { type Request, type Response, type NextFunction } from 'express';
import { isLocale, type Locale } from '../../core/turn';
import { checkOrigin } from './origin-policy';
import type { WebConversations } from './web-conversations';
import type { Logger } from '../../core/logger';
import { clientMessageSchema, describeIssues } from './widget-protocol';
import type { WidgetStrings } from './widget-strings';

export interface WebApiEvents {
  /** A customer turn was handled (the console refreshes that conversation; a ticket may be new). */
  onCustomerTurn(conversationId: string, ticketCreated: boolean): void;
}

/** The widget API's body limit (express.json's `16kb`), for the express routes and the fast path alike. */
export const WIDGET_BODY_LIMIT = 16 * 1024;

/** The token a widget request carries in its headers: `Authorization: Bearer` or `X-Conversation-Token`. */
export function tokenOfHeaders(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim();
  const header = headers['x-conversation-token'];
  return typeof header === 'string' ? header : undefined;
}

/** The token of a widget request: `Authorization: Bearer`, `X-Conversation-Token` or `?token=`. */
export function tokenOf(req: Request): string | undefined {
  const fromHeaders = tokenOfHeaders(req.headers);
  if (fromHeaders !== undefined) return fromHeaders;
  const query = req.query.token;
  return typeof query === 'string' ? query : undefined;
}

/** The CORS headers a widget request gets, or 'denied' for an origin outside the allow-list. */
export function widgetCorsHeaders(headers: IncomingHttpHeaders, allowedOrigins: readonly string[]): Record<string, string> | 'denied' {
  const verdict = checkOrigin(headers, allowedOrigins);
  if (verdict === 'denied') return 'denied';
  if (verdict !== 'allowed') return NO_HEADERS;
  return {
    'Access-Control-Allow-Origin': String(headers.origin),
    Vary: 'Origin',
    'Access-Control-Allow-Headers': 'Content-Type, Authorization, X-Conversation-Token',
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
    'Access-Control-Max-Age': '600',
  };
}
const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

export function originRefusal(headers: IncomingHttpHeaders): WebApiAnswer {
  return { status: 403, body: { error: 'origin_not_allowed', message: `Origin ${String(headers.origin)} may not use this chat; add it to WEB_ALLOWED_ORIGINS.` } };
}

/** CORS for the widget API: answers preflights and refuses origins outside the allow-list. */
export function corsForWidget(allowedOrigins: readonly string[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const cors = widgetCorsHeaders(req.headers, allowedOrigins);
    if (cors === 'denied') {
      const refusal = originRefusal(req.headers);
      res.status(refusal.status).json(refusal.body);
      return;
    }
    for (const [name, value] of Object.entries(cors)) res.setHeader(name, value);
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  };
}

/** A JSON answer of the widget API, as both the express routes and the fast path send it. */
export interface WebApiAnswer { status: number; body: unknown; headers?: Record<string, string> }

export interface WebApiTurns {
  /** `POST /api/web/conversations` with its parsed body. */
  start(body: unknown): Promise<WebApiAnswer>;
  /** `POST /api/web/conversations/:id/messages` with its parsed body (undefined when there was none). */
  message(id: string, token: string | undefined, body: unknown): Promise<WebApiAnswer>;
  /** What a failed request answers; failures of ours (5xx) are logged, without personal data. */
  failure(error: unknown, path: string): WebApiAnswer;
}

/** The two turn endpoints of the widget API, free of express so the fast path can serve them too. */
export function createWebApiTurns(deps: { conversations: WebConversations; defaultLocale: Locale; logger: Logger; events: WebApiEvents; storeUnavailable?: (error: unknown) => boolean }): WebApiTurns {
  const { conversations, logger, events } = deps;
  return {
    async start(body) {
      const requested = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).locale : undefined;
      if (requested !== undefined && !isLocale(requested)) return { status: 400, body: { error: 'locale_unsupported', message: 'locale must be fi, en or sv' } };
      return { status: 201, body: await conversations.start({ locale: requested ?? deps.defaultLocale }) };
    },

    async message(id, token, body) {
      const parsed = clientMessageSchema.safeParse(body);
      if (!parsed.success) {
        // A stranger learns no more from a bad message than from a wrong token: the token is checked first.
        const access = await conversations.authorize(id, token);
        if (!access.ok) return { status: access.status, body: { error: access.code, message: access.message } };
        return { status: 400, body: { error: 'bad_message', message: describeIssues(parsed.error) } };
      }
      // The token is checked inside the turn, on the record it loads: one store read per message.
      const outcome = await conversations.handleWithToken(id, token, parsed.data);
      if (!outcome.ok) return { status: outcome.status, body: { error: outcome.code, message: outcome.message } };
      events.onCustomerTurn(id, outcome.reply.replies.some((r) => r.kind === 'handoff'));
      return { status: 200, body: outcome.reply };
    },

    failure(error, path) {
      if (deps.storeUnavailable?.(error)) {
        // Nothing was changed and the store client reconnects by itself: the widget's retry a moment later works.
        logger.warn('web.api.store_unavailable', { path, err: error instanceof Error ? error.message : String(error) });
        return { status: 503, headers: { 'Retry-After': '2' }, body: { error: 'store_unavailable', message: 'The conversation store cannot be reached right now; nothing was changed. Try again in a moment.' } };
      }
      const status = typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number' ? error.status : 500;
      if (status >= 500) logger.error('web.api.failed', { path, err: error instanceof Error ? error.message : String(error) });
      return {
        status,
        body: status >= 500
          ? { error: 'internal', message: 'Something went wrong; try again in a moment.' }
          : { error: 'bad_request', message: error instanceof Error ? error.message : 'bad request' },
      };
    },
  };
}

/** `/api/web/*`: start a conversation, send a message (HTTP fallback), read the transcript, UI strings. */
export function createWebApi(deps: {
  conversations: WebConversations; strings: WidgetStrings; allowedOrigins: readonly string[];
  defaultLocale: Locale; logger: Logger; events: WebApiEvents;
  /** Whether an error means the store cannot be reached now (the composition root knows the adapter's errors). */
  storeUnavailable?: (error: unknown) => boolean;
  /** The turn endpoints, when the fast path shares them; built here otherwise. */
  turns?: WebApiTurns;
}): express.Router {
  const { conversations, strings } = deps;
  const turns = deps.turns ?? createWebApiTurns(deps);
  const router = express.Router();
  router.use('/api/web', corsForWidget(deps.allowedOrigins));
  router.use('/api/web', express.json({ limit: WIDGET_BODY_LIMIT }));

  router.get('/api/web/strings/:locale', (req, res) => {
    const locale = req.params.locale;
    if (!isLocale(locale)) {
      res.status(400).json({ error: 'locale_unsupported', message: 'locale must be fi, en or sv' });
      return;
    }
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(strings.get(locale));
  });

  router.post('/api/web/conversations', async (req, res) => {
    const answer = await turns.start(req.body ?? {});
    res.status(answer.status).json(answer.body);
  });

  router.get('/api/web/conversations/:id/transcript', async (req, res) => {
    const access = await conversations.authorize(req.params.id, tokenOf(req));
    if (!access.ok) {
      res.status(access.status).json({ error: access.code, message: access.message });
      return;
    }
    res.setHeader('Cache-Control', 'no-store');
    res.json({ conversationId: access.record.id, ...conversations.transcript(access.record) });
  });

  router.post('/api/web/conversations/:id/messages', async (req, res) => {
    const answer = await turns.message(req.params.id, tokenOf(req), req.body);
    res.status(answer.status).json(answer.body);
  });

  // Express 5 passes rejected promises here: answer JSON, log without personal data.
  router.use('/api/web', (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const answer = turns.failure(error, req.path);
    if (res.headersSent) return;
    for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
    res.status(answer.status).json(answer.body);
  });
  return router;
}
