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

/** The token of a widget request: `Authorization: Bearer`, `X-Conversation-Token` or `?token=`. */
export function tokenOf(req: Request): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim();
  const header = req.headers['x-conversation-token'];
  if (typeof header === 'string') return header;
  const query = req.query.token;
  return typeof query === 'string' ? query : undefined;
}

/** CORS for the widget API: answers preflights and refuses origins outside the allow-list. */
export function corsForWidget(allowedOrigins: readonly string[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const verdict = checkOrigin(req.headers, allowedOrigins);
    if (verdict === 'denied') {
      res.status(403).json({ error: 'origin_not_allowed', message: `Origin ${String(req.headers.origin)} may not use this chat; add it to WEB_ALLOWED_ORIGINS.` });
      return;
    }
    if (verdict === 'allowed') {
      res.setHeader('Access-Control-Allow-Origin', String(req.headers.origin));
      res.setHeader('Vary', 'Origin');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization, X-Conversation-Token');
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
      res.setHeader('Access-Control-Max-Age', '600');
    }
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  };
}

/** `/api/web/*`: start a conversation, send a message (HTTP fallback), read the transcript, UI strings. */
export function createWebApi(deps: {
  conversations: WebConversations; strings: WidgetStrings; allowedOrigins: readonly string[];
  defaultLocale: Locale; logger: Logger; events: WebApiEvents;
  /** Whether an error means the store cannot be reached now (the composition root knows the adapter's errors). */
  storeUnavailable?: (error: unknown) => boolean;
}): express.Router {
  const { conversations, strings, logger, events } = deps;
  const router = express.Router();
  router.use('/api/web', corsForWidget(deps.allowedOrigins));
  router.use('/api/web', express.json({ limit: '16kb' }));

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
    const body: unknown = req.body ?? {};
    const requested = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).locale : undefined;
    if (requested !== undefined && !isLocale(requested)) {
      res.status(400).json({ error: 'locale_unsupported', message: 'locale must be fi, en or sv' });
      return;
    }
    const started = await conversations.start({ locale: requested ?? deps.defaultLocale });
    res.status(201).json(started);
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
    const id = req.params.id;
    const token = tokenOf(req);
    const parsed = clientMessageSchema.safeParse(req.body);
    if (!parsed.success) {
      // A stranger learns no more from a bad message than from a wrong token: the token is checked first.
      const access = await conversations.authorize(id, token);
      if (!access.ok) {
        res.status(access.status).json({ error: access.code, message: access.message });
        return;
      }
      res.status(400).json({ error: 'bad_message', message: describeIssues(parsed.error) });
      return;
    }
    // The token is checked inside the turn, on the record it loads: one store read per message.
    const outcome = await conversations.handleWithToken(id, token, parsed.data);
    if (!outcome.ok) {
      res.status(outcome.status).json({ error: outcome.code, message: outcome.message });
      return;
    }
    events.onCustomerTurn(id, outcome.reply.replies.some((r) => r.kind === 'handoff'));
    res.json(outcome.reply);
  });

  // Express 5 passes rejected promises here: answer JSON, log without personal data.
  router.use('/api/web', (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (deps.storeUnavailable?.(error)) {
      // Nothing was changed and the store client reconnects by itself: the widget's retry a moment later works.
      logger.warn('web.api.store_unavailable', { path: req.path, err: error instanceof Error ? error.message : String(error) });
      if (res.headersSent) return;
      res.setHeader('Retry-After', '2');
      res.status(503).json({ error: 'store_unavailable', message: 'The conversation store cannot be reached right now; nothing was changed. Try again in a moment.' });
      return;
    }
    const status = typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number' ? error.status : 500;
    if (status >= 500) logger.error('web.api.failed', { path: req.path, err: error instanceof Error ? error.message : String(error) });
    if (res.headersSent) return;
    res.status(status).json(status >= 500
      ? { error: 'internal', message: 'Something went wrong; try again in a moment.' }
      : { error: 'bad_request', message: error instanceof Error ? error.message : 'bad request' });
  });
  return router;
}
