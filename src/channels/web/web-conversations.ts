import crypto from 'node:crypto';
import type { ConversationRecord } from '../../core/conversation';
import type { Clock, Stores } from '../../core/ports';
import type { ConversationEngine } from '../../core/services';
import type { Locale } from '../../core/turn';
import type { Logger } from '../../core/logger';
import {
  toTurnInput, toWidgetReplies, toWidgetTranscript,
  type ClientMessage, type ServerMessage, type WidgetReply, type WidgetTranscriptLine,
} from './widget-protocol';

export type AccessVerdict = { ok: true; record: ConversationRecord } | { ok: false; status: 401 | 403; code: string; message: string };

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
  transcript(record: ConversationRecord): { seq: number; status: string; agentName?: string; locale: Locale; lines: WidgetTranscriptLine[]; replies: WidgetReply[]; ended: boolean };
  seqOf(conversationId: string): Promise<number>;
}

/** 128 random bits as base64url: conversation ids nobody can guess. */
export function newConversationId(): string {
  return crypto.randomBytes(16).toString('base64url');
}

/** 256 random bits: the per-conversation secret handed to the widget. */
export function newAccessToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export function tokensEqual(expected: string, given: string): boolean {
  // Hash first so the comparison is constant-time whatever the lengths.
  const a = crypto.createHash('sha256').update(expected).digest();
  const b = crypto.createHash('sha256').update(given).digest();
  return crypto.timingSafeEqual(a, b);
}

export function createWebConversations(deps: { engine: ConversationEngine; stores: Stores; clock: Clock; logger: Logger }): WebConversations {
  const { engine, stores, clock, logger } = deps;

  async function attachToken(conversationId: string, token: string): Promise<ConversationRecord> {
    // The engine creates the record on the first turn; the secret is added under the conversation's lock
    // with a versioned save, so a concurrent turn can never be overwritten.
    return stores.lock.withLock(conversationId, async () => {
      const record = await stores.conversations.get(conversationId);
      if (!record) throw new Error(`conversation ${conversationId} was not stored by the engine after its start turn`);
      if (record.accessToken) return record;
      const updated: ConversationRecord = { ...record, accessToken: token, version: record.version + 1, updatedAt: clock.now() };
      await stores.conversations.save(updated);
      return updated;
    });
  }

  return {
    async start({ locale, webUserId }) {
      const conversationId = newConversationId();
      const token = newAccessToken();
      const result = await engine.handleTurn({
        conversationId, channel: 'web', input: { kind: 'start' }, locale, timestamp: clock.now(),
        ...(webUserId ? { customer: { webUserId } } : {}),
      });
      const record = await attachToken(conversationId, token);
      logger.info('web.conversation.started', { conversationId, locale });
      return { conversationId, token: record.accessToken ?? token, locale: result.locale, seq: record.transcript.length, replies: toWidgetReplies(result.replies) };
    },

    async authorize(conversationId, token) {
      if (!token) return { ok: false, status: 401, code: 'token_missing', message: 'This conversation needs its token (Authorization: Bearer <token> or ?token=).' };
      // Ids the server never makes are refused before they reach a store.
      const record = /^[A-Za-z0-9_-]{1,128}$/.test(conversationId) ? await engine.getConversation(conversationId) : undefined;
      if (!record || !record.accessToken || !tokensEqual(record.accessToken, token)) {
        return { ok: false, status: 403, code: 'token_invalid', message: 'The token does not open this conversation. Start a new conversation.' };
      }
      return { ok: true, record };
    },

    async handle(conversationId, message) {
      const result = await engine.handleTurn({
        conversationId, channel: 'web', input: toTurnInput(message), clientMessageId: message.clientMessageId, timestamp: clock.now(),
      });
      if (result.transcriptLength !== undefined) {
        // The engine said where the transcript stands: no second read of the record.
        return {
          type: 'replies', replies: toWidgetReplies(result.replies), seq: result.transcriptLength, clientMessageId: message.clientMessageId,
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
        ...(result.duplicate ? { duplicate: true } : {}),
        ...(record ? { status: record.status } : {}),
        ...(record?.agentName ? { agentName: record.agentName } : {}),
      };
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
