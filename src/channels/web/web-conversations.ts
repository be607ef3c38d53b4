import type { ConversationRecord } from '../../core/conversation';
import type { Clock, Stores } from '../../core/ports';
import type { ConversationEngine } from '../../core/services';
import type { Locale } from '../../core/turn';
import type { Logger } from '../../core/logger';
import { AccessDeniedError } from '../../core/errors';
import { createConversationId, secretsEqual } from '../../core/secrets';
import {
  toTurnInput, toWidgetReplies, toWidgetTranscript,
  type ClientMessage, type ServerMessage, type WidgetReply, type WidgetTranscriptLine,
} from './widget-protocol';

export type AccessVerdict = { ok: true; record: ConversationRecord } | { ok: false; status: 401 | 403; code: string; message: string };

export type HandleVerdict = { ok: true; reply: Extract<ServerMessage, { type: 'replies' }> } | Extract<AccessVerdict, { ok: false }>;

/** The ids the server makes; others are refused before they reach a store. */
const WEB_ID = /^[A-Za-z0-9_-]{1,128}$/;
const TOKEN_MISSING = { ok: false, status: 401, code: 'token_missing', message: 'This conversation needs its token (Authorization: Bearer <token> or ?token=).' } as const;
const TOKEN_INVALID = { ok: false, status: 403, code: 'token_invalid', message: 'The token does not open this conversation. Start a new conversation.' } as const;

export interface StartedConversation {
  conversationId: string;
  token: string;
  locale: Locale;
  seq: number;
  replies: WidgetReply[];
}

export interface WebConversations {
  start(options: { locale: Locale; webUserId?: string }): Promise<StartedConversation>;
  /** Checks the conversation's secret; unknown ids and wrong tokens look the same (403). */
  authorize(conversationId: string, token: string | undefined): Promise<AccessVerdict>;
  handle(conversationId: string, message: ClientMessage): Promise<Extract<ServerMessage, { type: 'replies' }>>;
  /**
   * `handle` for a request that carries the token (the HTTP fallback): the token is checked inside the turn on the
   * record the turn loads, so the conversation is read once. Refusals are those of `authorize`.
   */
  handleWithToken(conversationId: string, token: string | undefined, message: ClientMessage): Promise<HandleVerdict>;
  transcript(record: ConversationRecord): { seq: number; status: string; agentName?: string; locale: Locale; lines: WidgetTranscriptLine[]; replies: WidgetReply[]; ended: boolean };
  seqOf(conversationId: string): Promise<number>;
}

// One home for the project's secrets; the names the web channel (and its tests) use.
export { createConversationId as newConversationId, createAccessToken as newAccessToken, secretsEqual as tokensEqual } from '../../core/secrets';

export function createWebConversations(deps: { engine: ConversationEngine; stores: Stores; clock: Clock; logger: Logger }): WebConversations {
  const { engine, clock, logger } = deps;

  async function handle(conversationId: string, message: ClientMessage, token?: string): Promise<Extract<ServerMessage, { type: 'replies' }>> {
    const result = await engine.handleTurn({
      conversationId, channel: 'web', input: toTurnInput(message), clientMessageId: message.clientMessageId, timestamp: clock.now(),
      // With a token the engine checks it, and refuses an unknown conversation rather than creating it.
      ...(token !== undefined ? { accessToken: token, existingOnly: true } : {}),
    });
    if (result.transcriptLength !== undefined) {
      // The engine said where the transcript stands: no second read of the record.
      return {
        type: 'replies', replies: toWidgetReplies(result.replies), seq: result.transcriptLength, clientMessageId: message.clientMessageId, locale: result.locale,
        ...(result.duplicate ? { duplicate: true } : {}),
      };
    }
    // Older engines: read the record for the transcript length, and pass the status and agent name along.
    const record = await engine.getConversation(conversationId);
    return {
      type: 'replies',
      replies: toWidgetReplies(result.replies),
      seq: record?.transcript.length ?? 0,
      clientMessageId: message.clientMessageId,
      locale: result.locale,
      ...(result.duplicate ? { duplicate: true } : {}),
      ...(record ? { status: record.status } : {}),
      ...(record?.agentName ? { agentName: record.agentName } : {}),
    };
  }

  return {
    async start({ locale, webUserId }) {
      const conversationId = createConversationId();
      // `accessToken: null` asks the engine to hand out the new conversation's token with its first replies.
      const result = await engine.handleTurn({
        conversationId, channel: 'web', input: { kind: 'start' }, locale, timestamp: clock.now(), accessToken: null,
        ...(webUserId ? { customer: { webUserId } } : {}),
      });
      if (!result.accessToken) throw new Error(`conversation ${conversationId} was created without an access token`);
      logger.info('web.conversation.started', { conversationId, locale });
      const seq = result.transcriptLength ?? (await engine.getConversation(conversationId))?.transcript.length ?? 0;
      return { conversationId, token: result.accessToken, locale: result.locale, seq, replies: toWidgetReplies(result.replies) };
    },

    async authorize(conversationId, token) {
      if (!token) return TOKEN_MISSING;
      const record = WEB_ID.test(conversationId) ? await engine.getConversation(conversationId) : undefined;
      if (!record || !record.accessToken || !secretsEqual(record.accessToken, token)) return TOKEN_INVALID;
      return { ok: true, record };
    },

    handle: (conversationId, message) => handle(conversationId, message),

    async handleWithToken(conversationId, token, message) {
      if (!token) return TOKEN_MISSING;
      if (!WEB_ID.test(conversationId)) return TOKEN_INVALID;
      try {
        return { ok: true, reply: await handle(conversationId, message, token) };
      } catch (error) {
        if (error instanceof AccessDeniedError) return TOKEN_INVALID;
        throw error;
      }
    },

    transcript(record) {
      // The last processed turn's replies still carry its buttons, so a reloaded widget can show them again.
      const last = record.processed[record.processed.length - 1];
      return {
        seq: record.transcript.length,
        status: record.status,
        locale: record.locale,
        ended: record.status === 'ended',
        ...(record.agentName ? { agentName: record.agentName } : {}),
        lines: toWidgetTranscript(record.transcript),
        replies: last ? toWidgetReplies(last.result.replies) : [],
      };
    },

    async seqOf(conversationId) {
      const record = await engine.getConversation(conversationId);
      return record?.transcript.length ?? 0;
    },
  };
}
