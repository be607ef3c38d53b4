import express from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Engine } from '../core/engine';
import type { Clock } from '../core/ports';
import type { ReportSources } from '../analytics/load-service-report';
import { registerServiceGauges } from '../analytics/prometheus-metrics';

/**
 * Prometheus metrics: process metrics, turn latency and counts per channel (measured around the engine),
 * and service gauges (containment, CSAT, NPS, volumes) from the analytics log.
 */
export function createMetrics(sources: ReportSources, clock: Clock, report: { idleTimeoutMs: number; timeZone: string }): { registry: Registry; instrument(engine: Engine): Engine; router: express.Router } {
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
  const router = express.Router();
  router.get('/metrics', async (_req, res) => {
    res.set('Content-Type', registry.contentType).send(await registry.metrics());
  });
  return {
    registry,
    router,
    instrument(engine) {
      return {
        ...engine,
        async handleTurn(turn) {
          const stop = turnSeconds.startTimer({ channel: turn.channel });
          try {
            const result = await engine.handleTurn(turn);
            turns.inc({ channel: turn.channel, outcome: result.duplicate ? 'duplicate' : 'ok' });
            return result;
          } catch (error) {
            turns.inc({ channel: turn.channel, outcome: 'rejected' });
            throw error;
          } finally {
            stop();
          }
        },
      };
    },
  };
}
