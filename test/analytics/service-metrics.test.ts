import type { AnalyticsEvent } from '../../src/core/events';
import { computeServiceMetrics } from '../../src/analytics/service-metrics';
import { startTestServer } from '../support/start-test-server';

const event = (type: AnalyticsEvent['type'], conversationId: string, data: AnalyticsEvent['data'] = {}): AnalyticsEvent => ({ type, at: 1, conversationId, channel: 'web', locale: 'fi', data });

describe('service metrics', () => {
  it('computes containment, fallback rate, CSAT, NPS and volumes', () => {
    const metrics = computeServiceMetrics([
      event('conversation_started', 'a'), event('conversation_started', 'b'), event('conversation_started', 'c'), event('conversation_started', 'd'),
      event('turn', 'a', { sentiment: 0.5 }), event('intent', 'a', { intent: 'order_status' }), event('resolved', 'a'),
      event('turn', 'b', { sentiment: -0.5 }), event('fallback', 'b'), event('handoff', 'b', { reason: 'not_understood', queue: 'general' }),
      event('turn', 'c', { sentiment: 0 }), event('intent', 'c', { intent: 'order_status' }),
      event('survey_answer', 'a', { survey: 'csat', value: 5 }), event('survey_answer', 'c', { survey: 'csat', value: 3 }),
      event('survey_answer', 'a', { survey: 'nps', value: 10 }), event('survey_answer', 'c', { survey: 'nps', value: 9 }), event('survey_answer', 'd', { survey: 'nps', value: 2 }),
    ]);
    expect(metrics.conversations).toBe(4);
    expect(metrics.containmentRate).toBe(0.75);
    expect(metrics.resolvedByBot).toBe(1);
    expect(metrics.fallbackRate).toBeCloseTo(1 / 3);
    expect(metrics.handoffsByReason).toEqual({ not_understood: 1 });
    expect(metrics.intents).toEqual({ order_status: 2 });
    expect(metrics.csat).toEqual({ answers: 2, average: 4 });
    expect(metrics.nps.score).toBeCloseTo(100 * (2 - 1) / 3);
    expect(metrics.averageSentiment).toBe(0);
  });

  it('are exported for Prometheus and, in detail, to logged-in agents only', async () => {
    const { aspa, base } = await startTestServer();
    try {
      await fetch(`${base}/api/conversations/m-1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'tilaus' }) });
      const text = await (await fetch(`${base}/metrics`)).text();
      expect(text).toMatch(/aspa_turns_total\{channel="api",outcome="ok"\} 1/);
      expect(text).toMatch(/aspa_conversations_24h 1/);
      expect((await fetch(`${base}/api/analytics/summary`)).status).toBe(401);
    } finally {
      await aspa.close();
      await aspa.stores.close();
    }
  });
});
