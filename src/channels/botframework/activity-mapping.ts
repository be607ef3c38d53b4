import { createHash } from 'node:crypto';
import type { Reply } from '../../core/reply';
import type { Locale, Turn, TurnInput } from '../../core/turn';

/** The parts of a Bot Framework Activity this channel reads (kept small so the mapping is testable without botbuilder). */
export interface IncomingActivity {
  type: string;
  text?: string;
  value?: unknown;
  locale?: string;
  channelId?: string;
  conversation?: { id?: string };
  from?: { id?: string; name?: string };
  recipient?: { id?: string };
  membersAdded?: { id?: string }[];
}

export interface OutgoingActivity {
  type: 'message';
  text: string;
  speak?: string;
  inputHint?: 'expectingInput' | 'acceptingInput';
  suggestedActions?: { to: string[]; actions: { type: 'messageBack'; title: string; text: string; displayText: string; value: { payload: string } }[] };
}

/** Bot Framework conversation ids may hold any characters; the engine's ids are hashed from channel + id. */
export function conversationIdFor(activity: IncomingActivity): string {
  const source = `${activity.channelId ?? 'unknown'}:${activity.conversation?.id ?? ''}`;
  return `bf-${createHash('sha256').update(source).digest('base64url').slice(0, 32)}`;
}

export function localeOf(tag: string | undefined): Locale | undefined {
  const language = tag?.slice(0, 2).toLowerCase();
  return language === 'fi' || language === 'en' || language === 'sv' ? language : undefined;
}

/** Turns an Activity into an engine turn, or undefined for activities the bot ignores (typing, reactions, ...). */
export function toTurn(activity: IncomingActivity): Turn | undefined {
  let input: TurnInput | undefined;
  if (activity.type === 'conversationUpdate') {
    const userJoined = (activity.membersAdded ?? []).some((member) => member.id && member.id !== activity.recipient?.id);
    if (userJoined) input = { kind: 'start' };
  } else if (activity.type === 'message') {
    const payload = (activity.value as { payload?: unknown } | undefined)?.payload;
    if (typeof payload === 'string' && payload.length > 0) input = { kind: 'payload', payload, text: activity.text };
    else if (typeof activity.text === 'string' && activity.text.trim() !== '') input = { kind: 'text', text: activity.text };
  }
  if (!input || !activity.conversation?.id) return undefined;
  return {
    conversationId: conversationIdFor(activity),
    channel: 'botframework',
    input,
    locale: localeOf(activity.locale),
    customer: activity.from?.id ? { webUserId: `${activity.channelId ?? 'bf'}:${activity.from.id}`, name: activity.from.name } : undefined,
  };
}

/** Renders the engine's replies as Activities: text, spoken text, and quick replies as suggested actions. */
export function toActivities(replies: Reply[], userId: string | undefined): OutgoingActivity[] {
  const activities: OutgoingActivity[] = [];
  for (const reply of replies) {
    if (reply.kind !== 'message') continue;
    const activity: OutgoingActivity = { type: 'message', text: reply.from?.role === 'agent' && reply.from.name ? `${reply.from.name}: ${reply.text}` : reply.text };
    if (reply.voice) activity.speak = reply.voice;
    if (reply.links?.length) activity.text += `\n\n${reply.links.map((link) => `[${link.title}](${link.url})`).join('\n')}`;
    if (reply.quickReplies?.length) {
      activity.suggestedActions = {
        to: userId ? [userId] : [],
        actions: reply.quickReplies.map((quick) => ({ type: 'messageBack', title: quick.label, text: quick.label, displayText: quick.label, value: { payload: quick.payload } })),
      };
      activity.inputHint = 'expectingInput';
    }
    activities.push(activity);
  }
  return activities;
}
