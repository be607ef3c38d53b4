import { isUtf8 } from 'node:buffer';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Engine } from '../core/engine';
import { isValidConversationId } from '../core/engine';
import { AccessDeniedError, AppError, InvalidTurnError } from '../core/errors';
import { isStoreUnavailable } from '../stores/shared/store-errors';
import type { Logger } from '../core/logger';
import type { Turn } from '../core/turn';
import { SUPPORTED_LOCALES, type Locale } from '../core/turn';

const messageBody = z
  .strictObject({
    text: z.string().optional(),
    payload: z.string().optional(),
    locale: z.enum(SUPPORTED_LOCALES as [Locale, ...Locale[]]).optional(),
    clientMessageId: z.string().min(1).max(100).regex(/^[\w.:-]+$/, 'letters, digits and . _ : - only').optional(),
    customer: z.strictObject({ phone: z.string().max(40).optional(), email: z.string().max(200).optional(), name: z.string().max(200).optional() }).optional(),
  })
  .refine((body) => (body.text === undefined) !== (body.payload === undefined), { message: 'send exactly one of "text" or "payload"' });

export interface ApiDeps {
  engine: Engine;
  logger: Logger;
  /** True when the request carries a valid agent login (agents may read any conversation); may ask a store. */
  isAgent?: (req: Request) => boolean | Promise<boolean>;
}

class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

function tokenFrom(req: Request): string | undefined {
  const header = req.get('authorization');
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  return req.get('x-conversation-token') ?? undefined;
}

/** Rejects bodies that are not UTF-8 before JSON parsing can silently turn bad bytes into U+FFFD. */
function verifyUtf8(_req: unknown, _res: unknown, buffer: Buffer): void {
  if (!isUtf8(buffer)) throw new HttpError(400, 'invalid_encoding', 'The body is not valid UTF-8.');
}

/**
 * The engine's JSON API: `POST /api/conversations/:id/messages`, `GET /api/conversations/:id`.
 * A new conversation id creates the conversation and answers its access token; after that every call
 * needs it (`Authorization: Bearer <token>`), or an agent login for reading.
 */
export function createApiRouter(deps: ApiDeps): express.Router {
  const router = express.Router();
  const json = express.json({ limit: '64kb', verify: verifyUtf8, type: () => true });

  const checkId = (req: Request): string => {
    const id = String(req.params.id ?? '');
    if (!isValidConversationId(id)) throw new HttpError(400, 'invalid_conversation_id', 'The conversation id may only contain letters, digits, - and _ (1–128 characters).');
    return id;
  };

  router.post('/api/conversations/:id/messages', (req, res, next) => {
    if (!req.is('application/json')) return next(new HttpError(415, 'unsupported_media_type', 'Send the message as JSON with Content-Type: application/json.'));
    return json(req, res, next);
  }, async (req: Request, res: Response, next: NextFunction) => {
    try {
      const id = checkId(req);
      const parsed = messageBody.safeParse(req.body);
      if (!parsed.success) throw new HttpError(400, 'invalid_body', parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; '));
      const body = parsed.data;
      const turn: Turn = {
        // The engine checks it against an existing conversation, and answers a new one's token.
        accessToken: tokenFrom(req) ?? null,
        conversationId: id,
        channel: 'api',
        input: body.text !== undefined ? { kind: 'text', text: body.text } : { kind: 'payload', payload: body.payload as string },
        clientMessageId: body.clientMessageId,
        locale: body.locale,
        customer: body.customer,
      };
      const result = await deps.engine.handleTurn(turn);
      res.status(200).json({
        conversationId: result.conversationId,
        replies: result.replies.filter((reply) => reply.kind !== 'listen'),
        state: result.state,
        locale: result.locale,
        ended: result.ended,
        ticketId: result.ticketId ?? null,
        duplicate: result.duplicate ?? false,
        ...(result.accessToken ? { accessToken: result.accessToken } : {}),
      });
    } catch (error) {
      next(error);
    }
  });

  router.get('/api/conversations/:id', async (req, res, next) => {
    try {
      const id = checkId(req);
      const record = (await deps.isAgent?.(req)) ? await deps.engine.getConversation(id) : await deps.engine.authorize(id, tokenFrom(req));
      if (!record) throw new HttpError(404, 'not_found', 'No such conversation.');
      res.json({
        id: record.id, locale: record.locale, channel: record.channel, status: record.status, state: record.state,
        slots: record.slots, ticketId: record.ticketId ?? null, createdAt: new Date(record.createdAt).toISOString(),
        updatedAt: new Date(record.updatedAt).toISOString(), agentName: record.agentName ?? null,
        transcript: record.transcript.map((entry) => ({ ...entry, at: new Date(entry.at).toISOString() })),
      });
    } catch (error) {
      next(error);
    }
  });

  return router;
}

/** Maps every error to a JSON answer; nothing leaks a stack trace. */
/** `storeUnavailable`: whether an error means the store cannot be reached now (the composition root knows the adapter). */
export function createErrorHandler(logger: Logger, storeUnavailable: (error: unknown) => boolean = (error) => isStoreUnavailable(error)) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const send = (status: number, code: string, message: string) => {
      if (!res.headersSent) res.status(status).json({ error: { code, message } });
    };
    if (error instanceof HttpError) return send(error.status, error.code, error.message);
    if (error instanceof InvalidTurnError) return send(error.code === 'text_too_long' ? 413 : 400, error.code, error.message);
    // The API's conversation ids are the client's own (they may be guessable), so an unknown id with a token is
    // refused like a wrong token: 404 here would tell anyone which ids exist. The web channel's ids are random.
    if (error instanceof AccessDeniedError) return tokenFrom(req) ? send(403, 'token_invalid', error.message) : send(401, 'token_missing', error.message);
    const status = (error as { status?: number; type?: string }).status;
    const type = (error as { type?: string }).type;
    if (type === 'entity.verify.failed') return send(400, 'invalid_encoding', 'The body is not valid UTF-8.');
    if (type === 'entity.parse.failed') return send(400, 'invalid_json', 'The body is not valid JSON.');
    if (type === 'entity.too.large') return send(413, 'body_too_large', 'The body is too large.');
    if (type === 'encoding.unsupported' || type === 'charset.unsupported') return send(415, 'unsupported_encoding', 'Send the body as UTF-8 JSON.');
    if (status && status >= 400 && status < 500) return send(status, 'bad_request', (error as Error).message);
    if (error instanceof AppError && error.code === 'conversation_not_found') return send(404, 'conversation_not_found', error.message);
    const name = (error as Error)?.name;
    if (name === 'LockTimeoutError') return send(503, 'busy', 'The conversation is busy; try again.');
    if (storeUnavailable(error)) {
      // Nothing was changed; the store client reconnects by itself, so the client's retry a moment later works.
      logger.warn('http.request.store_unavailable', { path: req.path, error: String((error as Error)?.message ?? error) });
      if (!res.headersSent) res.setHeader('Retry-After', '2');
      return send(503, 'store_unavailable', 'The conversation store cannot be reached right now; nothing was changed. Try again in a moment.');
    }
    logger.error('http.request.failed', { path: req.path, error: String((error as Error)?.stack ?? error) });
    send(500, 'internal_error', 'Something went wrong on our side. The conversation was not changed.');
  };
}
