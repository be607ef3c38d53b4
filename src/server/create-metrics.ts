import express from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Engine } from '../core/engine';
import type { Clock, Outbox } from '../core/ports';
import { secretsEqual } from '../core/secrets';
import type { ReportSources } from '../analytics/load-service-report';
import { registerServiceGauges } from '../analytics/prometheus-metrics';

/**
 * Prometheus metrics: process metrics, turn latency and counts per channel (measured around the engine),
 * service gauges (containment, CSAT, NPS, volumes) from the analytics log, and the outbox backlog.
 */
export function createMetrics(
  sources: ReportSources & { outbox: Pick<Outbox, 'waiting'> }, clock: Clock, report: { idleTimeoutMs: number; timeZone: string }, options: { token?: string } = {},
): { registry: Registry; instrument(engine: Engine): Engine; router: express.Router } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'aspa_process_' });
  const turnSeconds = new Histogram({
    name: 'aspa_turn_duration_seconds', help: 'Engine time per turn', labelNames: ['channel'], registers: [registry],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  });
  const turns = new Counter({ name: 'aspa_turns_total', help: 'Turns handled', labelNames: ['channel', 'outcome'], registers: [registry] });
  registerServiceGauges(
    {
      gauge(name, help, labelNames, collect) {
        new Gauge({
          name, help, labelNames, registers: [registry],
          async collect() {
            this.reset();
            for (const sample of await collect()) this.set(sample.labels, sample.value);
          },
        });
      },
    },
    sources,
    { now: () => clock.now(), ...report },
  );
  new Gauge({
    // A helpdesk that is down shows here first: its deliveries pile up (and are retried) until it answers 2xx.
    name: 'aspa_outbox_waiting', help: 'Deliveries (helpdesk webhooks) waiting in the outbox: enqueued, not yet acknowledged by the receiver',
    registers: [registry],
    async collect() {
      // A store that cannot be reached keeps the last count for this scrape rather than failing all of it.
      const waiting = await sources.outbox.waiting().catch(() => undefined);
      if (waiting !== undefined) this.set(waiting);
    },
  });
  const router = express.Router();
  router.get('/metrics', async (req, res) => {
    if (options.token) {
      const header = req.get('authorization') ?? '';
      const given = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
      if (!given || !secretsEqual(options.token, given)) {
        res.set('WWW-Authenticate', 'Bearer realm="metrics"').status(401)
          .json({ error: { code: given ? 'metrics_token_invalid' : 'metrics_token_missing', message: 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>.' } });
        return;
      }
    }
    res.set('Content-Type', registry.contentType).send(await registry.metrics());
  });
  return {
    registry,
    router,
    instrument(engine) {
      // Bound once per channel: prom-client would otherwise hash the label set on every observation.
      const bound = new Map<string, { time: () => () => void; ok: { inc(): void }; duplicate: { inc(): void }; rejected: { inc(): void } }>();
      const metricsOf = (channel: string) => {
        let found = bound.get(channel);
        if (!found) {
          const histogram = turnSeconds.labels({ channel });
          found = {
            time: () => histogram.startTimer(),
            ok: turns.labels({ channel, outcome: 'ok' }),
            duplicate: turns.labels({ channel, outcome: 'duplicate' }),
            rejected: turns.labels({ channel, outcome: 'rejected' }),
          };
          bound.set(channel, found);
        }
        return found;
      };
      return {
        ...engine,
        async handleTurn(turn) {
          const metrics = metricsOf(turn.channel);
          const stop = metrics.time();
          try {
            const result = await engine.handleTurn(turn);
            (result.duplicate ? metrics.duplicate : metrics.ok).inc();
            return result;
          } catch (error) {
            metrics.rejected.inc();
            throw error;
          } finally {
            stop();
          }
        },
      };
    },
  };
}
