import { createMemoryStores } from '../../src/stores/memory/create-memory-stores';
import { startTestServer, TEST_TIME } from '../support/start-test-server';

const gauge = (metrics: string, name: string): number | undefined => {
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics);
  return match ? Number(match[1]) : undefined;
};

describe('GET /metrics: the outbox backlog', () => {
  it('aspa_outbox_waiting counts the deliveries not yet acknowledged by the helpdesk', async () => {
    const stores = createMemoryStores();
    const { aspa, base } = await startTestServer({ stores });
    const scrape = async () => gauge(await (await fetch(`${base}/metrics`)).text(), 'aspa_outbox_waiting');
    try {
      expect(await scrape()).toBe(0);
      for (const id of ['ASPA-000001', 'ASPA-000002', 'ASPA-000003']) {
        await stores.outbox.enqueue({ id: `webhook:${id}`, sink: 'webhook', idempotencyKey: id, payload: { event: 'ticket.created' }, dueAt: TEST_TIME, createdAt: TEST_TIME });
      }
      expect(await scrape()).toBe(3);
      // A failed attempt keeps the item waiting; an acknowledged one leaves the backlog.
      await stores.outbox.claim(TEST_TIME, 2, 60_000);
      await stores.outbox.reschedule('webhook:ASPA-000001', TEST_TIME + 60_000, 'HTTP 503');
      await stores.outbox.markDelivered('webhook:ASPA-000002', TEST_TIME + 1);
      expect(await scrape()).toBe(2);
    } finally {
      await aspa.close();
    }
  });

  it('a store that cannot be reached keeps the last count instead of failing the scrape', async () => {
    const stores = createMemoryStores();
    let reachable = true;
    const outbox = { ...stores.outbox, waiting: async () => (reachable ? 4 : Promise.reject(new Error('ECONNREFUSED'))) };
    const { aspa, base } = await startTestServer({ stores: { ...stores, outbox } });
    try {
      expect(gauge(await (await fetch(`${base}/metrics`)).text(), 'aspa_outbox_waiting')).toBe(4);
      reachable = false;
      const res = await fetch(`${base}/metrics`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain('aspa_turns_total');
      expect(gauge(text, 'aspa_outbox_waiting')).toBe(4);
    } finally {
      await aspa.close();
    }
  });
});
