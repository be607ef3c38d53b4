import { lastDays, loadServiceReport, type ReportSources } from './load-service-report';
import { CONVERSATION_OUTCOMES, type ServiceReport } from './service-report';

/** The subset of prom-client this module needs, so the analytics core does not import it. */
export interface MetricsRegistry {
  gauge(name: string, help: string, labelNames: string[], collect: () => Promise<{ labels: Record<string, string>; value: number }[]>): void;
}

export interface ServiceGaugeOptions {
  now: () => number;
  idleTimeoutMs: number;
  timeZone: string;
}

/**
 * Registers service-level gauges over the last 24 hours: the same report as the dashboard and
 * `/api/analytics/summary?days=1` (one computation, `computeServiceReport`), cached for 10 seconds.
 */
export function registerServiceGauges(registry: MetricsRegistry, sources: ReportSources, options: ServiceGaugeOptions): void {
  let cached: { at: number; value: ServiceReport } | undefined;
  const current = async () => {
    const now = options.now();
    if (!cached || now - cached.at > 10_000) {
      const { report } = await loadServiceReport(sources, lastDays(now, 1), {}, { now, idleTimeoutMs: options.idleTimeoutMs, timeZone: options.timeZone });
      cached = { at: now, value: report };
    }
    return cached.value;
  };
  const single = (pick: (m: ServiceReport) => number | null) => async () => {
    const value = pick(await current());
    return value === null ? [] : [{ labels: {}, value }];
  };
  const labelled = (label: string, pick: (m: ServiceReport) => [string, number][]) => async () =>
    pick(await current()).map(([name, value]) => ({ labels: { [label]: name }, value }));
  registry.gauge('aspa_conversations_24h', 'Conversations started in the last 24 hours', [], single((m) => m.conversations));
  registry.gauge('aspa_conversation_outcomes_24h', 'Conversations by outcome: resolved_by_bot, handed_off, abandoned, in_progress', ['outcome'],
    labelled('outcome', (m) => CONVERSATION_OUTCOMES.map((outcome) => [outcome, m.outcomes[outcome]])));
  registry.gauge('aspa_containment_ratio_24h', 'Resolved by the bot / finished conversations (abandoned ones are not contained)', [], single((m) => m.containmentRate));
  registry.gauge('aspa_abandonment_ratio_24h', 'Abandoned / finished conversations', [], single((m) => m.abandonmentRate));
  registry.gauge('aspa_first_contact_resolution_ratio_24h', 'Resolved with no repeat contact by the same customer within 7 days / finished conversations of known customers', [], single((m) => m.firstContactResolution.rate));
  registry.gauge('aspa_fallback_ratio_24h', 'Share of customer turns the NLU did not understand', [], single((m) => m.fallbackRate));
  registry.gauge('aspa_csat_average_24h', 'Average CSAT (1-5)', [], single((m) => m.csat.average));
  registry.gauge('aspa_nps_24h', 'Net Promoter Score (-100..100)', [], single((m) => m.nps.score));
  registry.gauge('aspa_ces_average_24h', 'Average Customer Effort Score (1-7)', [], single((m) => m.ces.average));
  registry.gauge('aspa_sentiment_average_24h', 'Average customer sentiment (-1..1)', [], single((m) => m.averageSentiment));
  registry.gauge('aspa_first_agent_reply_median_seconds_24h', 'Median time from ticket to the first agent message', [], single((m) => (m.firstAgentReply.medianMs === null ? null : m.firstAgentReply.medianMs / 1000)));
  registry.gauge('aspa_ticket_resolution_median_seconds_24h', 'Median time from ticket to closing', [], single((m) => (m.resolution.medianMs === null ? null : m.resolution.medianMs / 1000)));
  registry.gauge('aspa_handoffs_24h', 'Handoffs to humans by reason', ['reason'], labelled('reason', (m) => Object.entries(m.handoffsByReason)));
  registry.gauge('aspa_intents_24h', 'Contact volume per topic (intent)', ['intent'], labelled('intent', (m) => Object.entries(m.intents)));
  registry.gauge('aspa_sla_breaches_24h', 'Tickets whose first response came after (or is still missing past) the SLA due time, per queue', ['queue'],
    labelled('queue', (m) => m.sla.map((entry) => [entry.queue, entry.breached])));
}
