import type { AnalyticsEvent } from '../core/events';

/** How the service is doing, computed from the analytics event log (no personal data involved). */
export interface ServiceMetrics {
  conversations: number;
  /** Conversations that ended resolved by the bot, without a ticket. */
  resolvedByBot: number;
  handoffs: number;
  /** Self-service containment: conversations with no handoff / all conversations. */
  containmentRate: number | null;
  handoffsByReason: Record<string, number>;
  handoffsByQueue: Record<string, number>;
  /** Contact volume per topic (intent), FAQ intents included. */
  intents: Record<string, number>;
  /** Share of customer turns the NLU did not understand. */
  fallbackRate: number | null;
  turns: number;
  averageSentiment: number | null;
  csat: { answers: number; average: number | null };
  /** Net Promoter Score: % promoters (9–10) − % detractors (0–6). */
  nps: { answers: number; score: number | null };
  ces: { answers: number; average: number | null };
  byChannel: Record<string, number>;
}

function increment(map: Record<string, number>, key: string | number | boolean | null | undefined): void {
  const name = key === null || key === undefined ? 'unknown' : String(key);
  map[name] = (map[name] ?? 0) + 1;
}

export function computeServiceMetrics(events: AnalyticsEvent[]): ServiceMetrics {
  const conversations = new Set<string>();
  const handedOff = new Set<string>();
  const resolved = new Set<string>();
  const metrics: ServiceMetrics = {
    conversations: 0, resolvedByBot: 0, handoffs: 0, containmentRate: null, handoffsByReason: {}, handoffsByQueue: {}, intents: {},
    fallbackRate: null, turns: 0, averageSentiment: null, csat: { answers: 0, average: null }, nps: { answers: 0, score: null }, ces: { answers: 0, average: null }, byChannel: {},
  };
  let fallbacks = 0;
  let sentimentSum = 0;
  const surveys: Record<string, number[]> = { csat: [], nps: [], ces: [] };
  for (const event of events) {
    if (event.type === 'conversation_started') {
      conversations.add(event.conversationId);
      increment(metrics.byChannel, event.channel);
    } else if (event.type === 'turn') {
      metrics.turns += 1;
      sentimentSum += Number(event.data.sentiment ?? 0);
    } else if (event.type === 'intent') {
      increment(metrics.intents, event.data.intent);
    } else if (event.type === 'fallback') {
      fallbacks += 1;
    } else if (event.type === 'handoff') {
      metrics.handoffs += 1;
      handedOff.add(event.conversationId);
      increment(metrics.handoffsByReason, event.data.reason);
      increment(metrics.handoffsByQueue, event.data.queue);
    } else if (event.type === 'resolved') {
      resolved.add(event.conversationId);
    } else if (event.type === 'survey_answer') {
      const kind = String(event.data.survey);
      const value = Number(event.data.value);
      if (surveys[kind] && Number.isFinite(value)) surveys[kind].push(value);
    }
  }
  metrics.conversations = conversations.size;
  metrics.resolvedByBot = [...resolved].filter((id) => !handedOff.has(id)).length;
  metrics.containmentRate = conversations.size ? ([...conversations].filter((id) => !handedOff.has(id)).length / conversations.size) : null;
  metrics.fallbackRate = metrics.turns ? fallbacks / metrics.turns : null;
  metrics.averageSentiment = metrics.turns ? sentimentSum / metrics.turns : null;
  const average = (values: number[]) => (values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : null);
  metrics.csat = { answers: surveys.csat.length, average: average(surveys.csat) };
  metrics.ces = { answers: surveys.ces.length, average: average(surveys.ces) };
  const nps = surveys.nps;
  metrics.nps = { answers: nps.length, score: nps.length ? (100 * (nps.filter((v) => v >= 9).length - nps.filter((v) => v <= 6).length)) / nps.length : null };
  return metrics;
}
