import type { AnalyticsEvent } from '../core/events';
import type { Ticket } from '../core/ticket';
import { isoDate, toLocal } from '../handoff/zoned-time';

/**
 * The one computation behind the dashboard page, `/api/analytics/summary` and the Prometheus gauges: every figure a
 * service manager sees is computed here from the analytics events and the tickets, so the three can never disagree.
 * The definitions (containment, abandonment, first-contact resolution, SLA) are written out in docs/dashboard.md.
 */

export type ConversationOutcome = 'resolved_by_bot' | 'handed_off' | 'abandoned' | 'in_progress';
export const CONVERSATION_OUTCOMES: readonly ConversationOutcome[] = ['resolved_by_bot', 'handed_off', 'abandoned', 'in_progress'];

export interface ReportFilters {
  channel?: string;
  locale?: string;
  /** Only conversations handed off to this queue, and only its tickets. */
  queue?: string;
}

export interface ReportRange {
  /** Inclusive, ms. */
  from: number;
  /** Exclusive, ms. */
  to: number;
}

export interface ReportOptions {
  now: number;
  /** A conversation silent this long without a resolution or a handoff is abandoned (ASPA_IDLE_TIMEOUT_MINUTES). */
  idleTimeoutMs: number;
  /** Days are calendar days in this zone (ASPA_TIMEZONE). */
  timeZone: string;
  /** A contact by the same customer within this time after a conversation makes it a repeat (7 days). */
  repeatWindowMs?: number;
}

export const REPEAT_WINDOW_MS = 7 * 86_400_000;
/** Turn sentiment below / above these counts as negative / positive. */
const NEGATIVE = -0.2;
const POSITIVE = 0.2;

/** One conversation, as the CSV export and the topic table see it. No text, no contact details. */
export interface ConversationRow {
  conversationId: string;
  startedAt: number;
  day: string;
  channel: string;
  locale: string;
  outcome: ConversationOutcome;
  /** How the dialog ended (`resolved`, `ended`, `abandoned`, `handoff`), or null while it has not. */
  endedAs: string | null;
  topic: string | null;
  handoffReason: string | null;
  queue: string | null;
  ticketId: string | null;
  turns: number;
  fallbacks: number;
  averageSentiment: number | null;
  csat: number | null;
  nps: number | null;
  ces: number | null;
  /** The store's opaque customer id, when the customer became known (phone, e-mail, web login). */
  customer: string | null;
  /** True when the same customer came back within the repeat window; null for an unknown customer. */
  repeatContact: boolean | null;
}

export interface TicketRow {
  id: string;
  conversationId: string;
  createdAt: number;
  channel: string;
  locale: string;
  reason: string;
  intent: string | null;
  priority: string;
  queue: string;
  status: string;
  dueAt: number;
  /** The first agent message in the conversation, or the closing of a ticket closed without one. */
  firstResponseAt: number | null;
  closedAt: number | null;
  slaBreached: boolean;
  contact: { name?: string; phone?: string; email?: string };
}

export interface Durations {
  count: number;
  medianMs: number | null;
  p90Ms: number | null;
}

export interface ServiceReport {
  range: ReportRange;
  filters: ReportFilters;
  generatedAt: number;
  definitions: string;
  conversations: number;
  outcomes: Record<ConversationOutcome, number>;
  /** resolved_by_bot / (resolved_by_bot + handed_off + abandoned); conversations still in progress are left out. */
  containmentRate: number | null;
  abandonmentRate: number | null;
  resolvedByBot: number;
  /** Handoff events (a conversation handed off twice counts twice). */
  handoffs: number;
  handoffsByReason: Record<string, number>;
  handoffsByQueue: Record<string, number>;
  /** Contact volume per intent: turns the NLU gave that intent (FAQ intents included). */
  intents: Record<string, number>;
  /** Conversations per topic and their outcomes, largest first. */
  topics: ({ topic: string; conversations: number } & Record<ConversationOutcome, number>)[];
  turns: number;
  fallbackRate: number | null;
  averageSentiment: number | null;
  sentiment: { negative: number; neutral: number; positive: number };
  csat: { answers: number; average: number | null };
  nps: { answers: number; score: number | null };
  ces: { answers: number; average: number | null };
  byChannel: Record<string, number>;
  perDay: { day: string; total: number; byChannel: Record<string, number>; csat: number | null; nps: number | null; ces: number | null }[];
  firstContactResolution: { judged: number; resolved: number; repeated: number; unknownCustomer: number; rate: number | null };
  firstAgentReply: Durations;
  resolution: Durations;
  tickets: number;
  sla: { queue: string; tickets: number; breached: number; waiting: number }[];
}

export interface ComputedReport {
  report: ServiceReport;
  conversations: ConversationRow[];
  tickets: TicketRow[];
}

export const DEFINITIONS = 'resolved_by_bot: the dialog ended with outcome "resolved" and never handed off; handed_off: at least one handoff to a person; '
  + 'abandoned: neither, and the dialog ended otherwise or the customer has been silent longer than the idle timeout; in_progress: neither, still within the idle timeout. '
  + 'containmentRate = resolved_by_bot / (resolved_by_bot + handed_off + abandoned). '
  + 'firstContactResolution: of conversations with a known customer (in progress left out), those resolved (by the bot, or their ticket closed) with no other conversation of the same customer within 7 days after the start. '
  + 'firstAgentReply: ticket creation to the first agent message; resolution: ticket creation to closing; an SLA breach is a first response (agent message, or closing without one) after the ticket\'s due time, or none yet when it is past due.';

interface Building {
  row: ConversationRow;
  lastAt: number;
  sentimentSum: number;
  intents: string[];
  resolvedTopic: string | null;
  handoffTopic: string | null;
  resolved: boolean;
  agentReplies: number[];
}

const average = (values: number[]): number | null => (values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : null);
const npsOf = (values: number[]): number | null => (values.length ? (100 * (values.filter((v) => v >= 9).length - values.filter((v) => v <= 6).length)) / values.length : null);

function percentile(sorted: number[], share: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1))];
}

function durations(values: number[]): Durations {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, medianMs: percentile(sorted, 0.5), p90Ms: percentile(sorted, 0.9) };
}

function increment(map: Record<string, number>, key: unknown, by = 1): void {
  const name = key === null || key === undefined || key === '' ? 'unknown' : String(key);
  map[name] = (map[name] ?? 0) + by;
}

/** Every calendar day of the range in the zone, oldest first (at most 400). */
export function daysOf(range: ReportRange, timeZone: string): string[] {
  const days: string[] = [];
  for (let at = range.from; at < range.to && days.length < 400; at += 3_600_000) {
    const day = isoDate(toLocal(at, timeZone));
    if (days[days.length - 1] !== day) days.push(day);
  }
  const last = isoDate(toLocal(range.to - 1, timeZone));
  if (range.to > range.from && days[days.length - 1] !== last) days.push(last);
  return days;
}

/**
 * The report of conversations started in `range` (events may run past its end: they are read up to the repeat window
 * after it, for repeat contacts), and of tickets created in it.
 */
export function computeServiceReport(events: readonly AnalyticsEvent[], ticketList: readonly Ticket[], range: ReportRange, filters: ReportFilters, options: ReportOptions): ComputedReport {
  const repeatWindow = options.repeatWindowMs ?? REPEAT_WINDOW_MS;
  const byId = new Map<string, Building>();
  const starts = new Map<string, { at: number; customer: string | null }[]>();
  const customerOf = new Map<string, string>();
  const ordered = [...events].sort((a, b) => a.at - b.at);

  for (const event of ordered) {
    if (typeof event.data.customer === 'string') customerOf.set(event.conversationId, event.data.customer);
  }
  for (const event of ordered) {
    if (event.type === 'conversation_started') {
      const customer = customerOf.get(event.conversationId) ?? null;
      if (customer) starts.set(customer, [...(starts.get(customer) ?? []), { at: event.at, customer }]);
      if (event.at < range.from || event.at >= range.to || byId.has(event.conversationId)) continue;
      byId.set(event.conversationId, {
        row: {
          conversationId: event.conversationId, startedAt: event.at, day: isoDate(toLocal(event.at, options.timeZone)), channel: event.channel, locale: event.locale,
          outcome: 'in_progress', endedAs: null, topic: null, handoffReason: null, queue: null, ticketId: null, turns: 0, fallbacks: 0, averageSentiment: null,
          csat: null, nps: null, ces: null, customer, repeatContact: null,
        },
        lastAt: event.at, sentimentSum: 0, intents: [], resolvedTopic: null, handoffTopic: null, resolved: false, agentReplies: [],
      });
      continue;
    }
    const building = byId.get(event.conversationId);
    if (!building) continue;
    const { row } = building;
    building.lastAt = Math.max(building.lastAt, event.at);
    row.locale = event.locale; // the conversation's language is the one it ended up in
    switch (event.type) {
      case 'turn':
        row.turns += 1;
        building.sentimentSum += Number(event.data.sentiment ?? 0);
        break;
      case 'intent':
        if (typeof event.data.intent === 'string') building.intents.push(event.data.intent);
        break;
      case 'fallback':
        row.fallbacks += 1;
        break;
      case 'handoff':
        row.outcome = 'handed_off';
        row.handoffReason = row.handoffReason ?? (event.data.reason === null ? null : String(event.data.reason ?? 'unknown'));
        row.queue = row.queue ?? (event.data.queue === null || event.data.queue === undefined ? null : String(event.data.queue));
        building.handoffTopic = building.handoffTopic ?? (typeof event.data.intent === 'string' ? event.data.intent : null);
        break;
      case 'resolved':
        building.resolved = true;
        if (typeof event.data.intent === 'string') building.resolvedTopic = event.data.intent;
        break;
      case 'conversation_ended':
        row.endedAs = String(event.data.outcome ?? 'ended');
        break;
      case 'survey_answer': {
        const value = Number(event.data.value);
        if (!Number.isFinite(value)) break;
        if (event.data.survey === 'csat') row.csat = value;
        else if (event.data.survey === 'nps') row.nps = value;
        else if (event.data.survey === 'ces') row.ces = value;
        break;
      }
      case 'agent_reply':
        building.agentReplies.push(event.at);
        break;
    }
  }

  const ticketsByConversation = new Map<string, Ticket>();
  for (const ticket of ticketList) if (!ticketsByConversation.has(ticket.conversationId)) ticketsByConversation.set(ticket.conversationId, ticket);

  const rows: ConversationRow[] = [];
  for (const building of byId.values()) {
    const { row } = building;
    if (row.outcome !== 'handed_off') {
      if (building.resolved && (row.endedAs === null || row.endedAs === 'resolved')) row.outcome = 'resolved_by_bot';
      else if (row.endedAs !== null || options.now - building.lastAt > options.idleTimeoutMs) row.outcome = 'abandoned';
    }
    row.topic = building.resolvedTopic ?? building.handoffTopic ?? building.intents[0] ?? null;
    row.averageSentiment = row.turns ? Math.round((building.sentimentSum / row.turns) * 1000) / 1000 : null;
    row.ticketId = ticketsByConversation.get(row.conversationId)?.id ?? null;
    if (row.customer) {
      row.repeatContact = (starts.get(row.customer) ?? []).some((start) => start.at > row.startedAt && start.at <= row.startedAt + repeatWindow);
    }
    if (filters.channel && row.channel !== filters.channel) continue;
    if (filters.locale && row.locale !== filters.locale) continue;
    if (filters.queue && row.queue !== filters.queue) continue;
    rows.push(row);
  }
  rows.sort((a, b) => a.startedAt - b.startedAt);
  const included = new Set(rows.map((row) => row.conversationId));

  // Tickets created in the range; their first response comes from the agent_reply events of their conversation.
  const agentReplies = new Map<string, number[]>();
  for (const event of ordered) if (event.type === 'agent_reply') agentReplies.set(event.conversationId, [...(agentReplies.get(event.conversationId) ?? []), event.at]);
  const ticketRows: TicketRow[] = [];
  for (const ticket of ticketList) {
    if (ticket.createdAt < range.from || ticket.createdAt >= range.to) continue;
    if (filters.channel && ticket.channel !== filters.channel) continue;
    if (filters.locale && ticket.locale !== filters.locale) continue;
    if (filters.queue && ticket.queue !== filters.queue) continue;
    const reply = (agentReplies.get(ticket.conversationId) ?? []).find((at) => at >= ticket.createdAt) ?? null;
    const firstResponseAt = reply ?? ticket.closedAt ?? null;
    ticketRows.push({
      id: ticket.id, conversationId: ticket.conversationId, createdAt: ticket.createdAt, channel: ticket.channel, locale: ticket.locale, reason: ticket.reason,
      intent: ticket.intent ?? null, priority: ticket.priority, queue: ticket.queue, status: ticket.status, dueAt: ticket.dueAt,
      firstResponseAt, closedAt: ticket.closedAt ?? null,
      slaBreached: firstResponseAt !== null ? firstResponseAt > ticket.dueAt : options.now > ticket.dueAt,
      contact: { ...ticket.contact },
    });
  }
  ticketRows.sort((a, b) => a.createdAt - b.createdAt);

  return { report: summarize(rows, ticketRows, events.filter((event) => included.has(event.conversationId)), ticketsByConversation, range, filters, options), conversations: rows, tickets: ticketRows };
}

function summarize(
  rows: ConversationRow[], ticketRows: TicketRow[], events: readonly AnalyticsEvent[], ticketsByConversation: Map<string, Ticket>,
  range: ReportRange, filters: ReportFilters, options: ReportOptions,
): ServiceReport {
  const outcomes: Record<ConversationOutcome, number> = { resolved_by_bot: 0, handed_off: 0, abandoned: 0, in_progress: 0 };
  const byChannel: Record<string, number> = {};
  const topics = new Map<string, { topic: string; conversations: number } & Record<ConversationOutcome, number>>();
  const days = new Map<string, { day: string; total: number; byChannel: Record<string, number>; csat: number[]; nps: number[]; ces: number[] }>();
  for (const day of daysOf(range, options.timeZone)) days.set(day, { day, total: 0, byChannel: {}, csat: [], nps: [], ces: [] });
  const fcr = { judged: 0, resolved: 0, repeated: 0, unknownCustomer: 0, rate: null as number | null };

  for (const row of rows) {
    outcomes[row.outcome] += 1;
    increment(byChannel, row.channel);
    const topicName = row.topic ?? 'none';
    const topic = topics.get(topicName) ?? { topic: topicName, conversations: 0, resolved_by_bot: 0, handed_off: 0, abandoned: 0, in_progress: 0 };
    topic.conversations += 1;
    topic[row.outcome] += 1;
    topics.set(topicName, topic);
    const day = days.get(row.day);
    if (day) {
      day.total += 1;
      increment(day.byChannel, row.channel);
      if (row.csat !== null) day.csat.push(row.csat);
      if (row.nps !== null) day.nps.push(row.nps);
      if (row.ces !== null) day.ces.push(row.ces);
    }
    if (row.outcome === 'in_progress') continue;
    if (!row.customer) { fcr.unknownCustomer += 1; continue; }
    fcr.judged += 1;
    const ticket = ticketsByConversation.get(row.conversationId);
    const resolved = row.outcome === 'resolved_by_bot' || (row.outcome === 'handed_off' && ticket?.status === 'closed');
    if (row.repeatContact) fcr.repeated += 1;
    else if (resolved) fcr.resolved += 1;
  }
  fcr.rate = fcr.judged ? fcr.resolved / fcr.judged : null;

  let turns = 0;
  let fallbacks = 0;
  let sentimentSum = 0;
  const sentiment = { negative: 0, neutral: 0, positive: 0 };
  const handoffsByReason: Record<string, number> = {};
  const handoffsByQueue: Record<string, number> = {};
  const intents: Record<string, number> = {};
  const surveys: Record<string, number[]> = { csat: [], nps: [], ces: [] };
  let handoffs = 0;
  for (const event of events) {
    if (event.type === 'turn') {
      turns += 1;
      const value = Number(event.data.sentiment ?? 0);
      sentimentSum += value;
      sentiment[value < NEGATIVE ? 'negative' : value > POSITIVE ? 'positive' : 'neutral'] += 1;
    } else if (event.type === 'fallback') fallbacks += 1;
    else if (event.type === 'intent') increment(intents, event.data.intent);
    else if (event.type === 'handoff') {
      handoffs += 1;
      increment(handoffsByReason, event.data.reason);
      increment(handoffsByQueue, event.data.queue);
    } else if (event.type === 'survey_answer') {
      const value = Number(event.data.value);
      const kind = String(event.data.survey);
      if (surveys[kind] && Number.isFinite(value)) surveys[kind].push(value);
    }
  }

  const decided = outcomes.resolved_by_bot + outcomes.handed_off + outcomes.abandoned;
  const sla = new Map<string, { queue: string; tickets: number; breached: number; waiting: number }>();
  for (const ticket of ticketRows) {
    const entry = sla.get(ticket.queue) ?? { queue: ticket.queue, tickets: 0, breached: 0, waiting: 0 };
    entry.tickets += 1;
    if (ticket.slaBreached) entry.breached += 1;
    else if (ticket.firstResponseAt === null) entry.waiting += 1;
    sla.set(ticket.queue, entry);
  }
  const replied = ticketRows.filter((ticket) => ticket.firstResponseAt !== null && ticket.firstResponseAt !== ticket.closedAt);
  const closed = ticketRows.filter((ticket) => ticket.closedAt !== null);

  return {
    range, filters, generatedAt: options.now, definitions: DEFINITIONS,
    conversations: rows.length,
    outcomes,
    containmentRate: decided ? outcomes.resolved_by_bot / decided : null,
    abandonmentRate: decided ? outcomes.abandoned / decided : null,
    resolvedByBot: outcomes.resolved_by_bot,
    handoffs, handoffsByReason, handoffsByQueue, intents,
    topics: [...topics.values()].sort((a, b) => b.conversations - a.conversations || a.topic.localeCompare(b.topic)),
    turns,
    fallbackRate: turns ? fallbacks / turns : null,
    averageSentiment: turns ? sentimentSum / turns : null,
    sentiment,
    csat: { answers: surveys.csat.length, average: average(surveys.csat) },
    nps: { answers: surveys.nps.length, score: npsOf(surveys.nps) },
    ces: { answers: surveys.ces.length, average: average(surveys.ces) },
    byChannel,
    perDay: [...days.values()].map((day) => ({ day: day.day, total: day.total, byChannel: day.byChannel, csat: average(day.csat), nps: npsOf(day.nps), ces: average(day.ces) })),
    firstContactResolution: fcr,
    firstAgentReply: durations(replied.map((ticket) => (ticket.firstResponseAt as number) - ticket.createdAt)),
    resolution: durations(closed.map((ticket) => (ticket.closedAt as number) - ticket.createdAt)),
    tickets: ticketRows.length,
    sla: [...sla.values()].sort((a, b) => a.queue.localeCompare(b.queue)),
  };
}
