import type { EventLog } from '../core/ports';
import { computeServiceMetrics } from './service-metrics';

/** The subset of prom-client this module needs, so the analytics core does not import it. */
export interface MetricsRegistry {
  gauge(name: string, help: string, labelNames: string[], collect: () => Promise<{ labels: Record<string, string>; value: number }[]>): void;
}

/** Registers service-level gauges (containment, CSAT, NPS, volumes) computed from the last `windowMs` of events. */
export function registerServiceGauges(registry: MetricsRegistry, events: EventLog, now: () => number, windowMs = 24 * 3_600_000): void {
  let cached: { at: number; value: ReturnType<typeof computeServiceMetrics> } | undefined;
  const current = async () => {
    if (!cached || now() - cached.at > 10_000) {
      cached = { at: now(), value: computeServiceMetrics(await events.query({ since: now() - windowMs, limit: 100_000 })) };
    }
    return cached.value;
  };
  const single = (pick: (m: ReturnType<typeof computeServiceMetrics>) => number | null) => async () => {
    const value = pick(await current());
    return value === null ? [] : [{ labels: {}, value }];
  };
  registry.gauge('aspa_conversations_24h', 'Conversations started in the last 24 hours', [], single((m) => m.conversations));
  registry.gauge('aspa_containment_ratio_24h', 'Share of conversations handled without a human (self-service containment)', [], single((m) => m.containmentRate));
  registry.gauge('aspa_fallback_ratio_24h', 'Share of customer turns the NLU did not understand', [], single((m) => m.fallbackRate));
  registry.gauge('aspa_csat_average_24h', 'Average CSAT (1-5)', [], single((m) => m.csat.average));
  registry.gauge('aspa_nps_24h', 'Net Promoter Score (-100..100)', [], single((m) => m.nps.score));
  registry.gauge('aspa_ces_average_24h', 'Average Customer Effort Score (1-7)', [], single((m) => m.ces.average));
  registry.gauge('aspa_sentiment_average_24h', 'Average customer sentiment (-1..1)', [], single((m) => m.averageSentiment));
  registry.gauge('aspa_handoffs_24h', 'Handoffs to humans by reason', ['reason'], async () =>
    Object.entries((await current()).handoffsByReason).map(([reason, value]) => ({ labels: { reason }, value })));
  registry.gauge('aspa_intents_24h', 'Contact volume per topic (intent)', ['intent'], async () =>
    Object.entries((await current()).intents).map(([intent, value]) => ({ labels: { intent }, value })));
}
