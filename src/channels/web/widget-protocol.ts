import { z } from 'zod';
import type { Reply } from '../../core/reply';
import type { TranscriptEntry } from '../../core/transcript';
import type { Locale, TurnInput } from '../../core/turn';

/** Longest customer message accepted; longer text is refused with a clear error, not cut. */
export const MAX_TEXT_LENGTH = 2000;

const clientMessageId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'clientMessageId: 8–64 letters, digits, _ or -');

/** What the widget sends, over the socket or the HTTP fallback. */
export const clientMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('message'), text: z.string().trim().min(1, 'text is empty').max(MAX_TEXT_LENGTH, `text is longer than ${MAX_TEXT_LENGTH} characters`), clientMessageId }),
  z.strictObject({ type: z.literal('payload'), payload: z.string().min(1).max(100), text: z.string().max(200).optional(), clientMessageId }),
  z.strictObject({ type: z.literal('rating'), value: z.number().int().min(1).max(5), clientMessageId }),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

/** A reply as the widget renders it: only what a browser needs, links limited to http(s). */
export type WidgetReply =
  | { kind: 'message'; text: string; from: 'bot' | 'agent'; agentName?: string; quickReplies?: { label: string; payload: string }[]; links?: { title: string; url: string }[]; rating?: 'stars';
      /** An agent join/leave line from the catalogue (`system.agent_*`): shown as a notice, not a bot bubble. */
      notice?: true }
  | { kind: 'handoff'; ticketId: string; agentsAvailable: boolean }
  | { kind: 'end' };

/** What the server sends to the widget. `seq` is the conversation's transcript length after the message. */
export type ServerMessage =
  | { type: 'replies'; replies: WidgetReply[]; seq: number; clientMessageId?: string; duplicate?: boolean; status?: string; agentName?: string;
      /** The conversation's language after the turn: the widget's own texts follow it after a switch. */
      locale?: Locale }
  | { type: 'agent'; event: string; agentName?: string; replies: WidgetReply[]; seq: number }
  | { type: 'typing' }
  | { type: 'error'; code: string; message: string; clientMessageId?: string };

/**
 * One transcript line as the customer may see it. NLU details stay server-side, and so do system
 * lines without a message key (internal notes); keyed ones are catalogue texts such as "Maija joined".
 */
export interface WidgetTranscriptLine {
  index: number;
  at: number;
  from: 'customer' | 'bot' | 'agent' | 'system';
  text: string;
  agentName?: string;
}

export function toTurnInput(message: ClientMessage): TurnInput {
  switch (message.type) {
    case 'message': return { kind: 'text', text: message.text };
    case 'payload': return { kind: 'payload', payload: message.payload, ...(message.text ? { text: message.text } : {}) };
    // The survey state's buttons carry "1".."5"; stars are just a nicer way to press them.
    case 'rating': return { kind: 'payload', payload: String(message.value), text: String(message.value) };
  }
}

/** Channel-neutral replies → widget replies; voice-only replies are dropped. */
export function toWidgetReplies(replies: readonly Reply[]): WidgetReply[] {
  const out: WidgetReply[] = [];
  for (const reply of replies) {
    if (reply.kind === 'message') {
      const quickReplies = reply.quickReplies?.map((q) => ({ label: q.label, payload: q.payload }));
      const links = reply.links?.filter((link) => isWebLink(link.url)).map((l) => ({ title: l.title, url: l.url }));
      out.push({
        kind: 'message',
        text: reply.text,
        from: reply.from?.role === 'agent' ? 'agent' : 'bot',
        ...(reply.from?.role === 'agent' && reply.from.name ? { agentName: reply.from.name } : {}),
        ...(quickReplies && quickReplies.length > 0 ? { quickReplies } : {}),
        ...(links && links.length > 0 ? { links } : {}),
        ...(quickReplies && isStarScale(quickReplies) ? { rating: 'stars' as const } : {}),
        ...(reply.key?.startsWith('system.agent_') ? { notice: true as const } : {}),
      });
    } else if (reply.kind === 'handoff') {
      out.push({ kind: 'handoff', ticketId: reply.ticketId, agentsAvailable: reply.agentsAvailable });
    } else if (reply.kind === 'end') {
      out.push({ kind: 'end' });
    }
  }
  return out;
}

export function toWidgetTranscript(entries: readonly TranscriptEntry[]): WidgetTranscriptLine[] {
  const lines: WidgetTranscriptLine[] = [];
  entries.forEach((entry, index) => {
    if (entry.from === 'system' && !entry.key) return;
    lines.push({ index, at: entry.at, from: entry.from, text: entry.text, ...(entry.agentName ? { agentName: entry.agentName } : {}) });
  });
  return lines;
}

/** A CSAT question: exactly the buttons 1..5 (what a `survey: csat` state offers). */
function isStarScale(quickReplies: readonly { payload: string }[]): boolean {
  return quickReplies.length === 5 && quickReplies.every((q, i) => q.payload === String(i + 1));
}

export function isWebLink(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:';
  } catch {
    return false;
  }
}

/** Zod issues → one readable sentence for the client. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ` : '') + issue.message).join('; ');
}
