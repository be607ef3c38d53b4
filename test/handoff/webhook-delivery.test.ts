/**
 * Acceptance test for ticket delivery (issue 4): the helpdesk webhook is down for over a minute and the
 * server restarts in between; once the helpdesk is back, every ticket created meanwhile arrives exactly once.
 * A real HTTP receiver on 127.0.0.1, the real embedded (SQLite) stores, Node's fetch as the sender; time is a
 * fake clock driven by hand, and the dispatcher runs by explicit `runOnce()` calls, so nothing sleeps.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Outbox, Stores } from '../../src/core/ports';
import type { Ticket } from '../../src/core/ticket';
import { createHandoffService } from '../../src/handoff/create-handoff-service';
import { createWebhookDispatcher, verifyWebhookSignature, type WebhookSend } from '../../src/handoff/webhook-dispatcher';
import { createEmbeddedStores } from '../../src/stores/embedded/create-embedded-stores';
import { billingConversation, createFakeClock, SECRET } from './support/handoff-fixtures';

const START = Date.parse('2026-03-02T09:00:00Z');
const MINUTE = 60_000;

/** A helpdesk stand-in: 503 while down; checks the signature; records tickets by Idempotency-Key, dropping repeats. */
interface Receiver {
  url: string;
  down: boolean;
  tickets: Map<string, Ticket>;
  duplicates: number;
  rejectedWhileDown: number;
  badSignatures: number;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const state = { down: true, tickets: new Map<string, Ticket>(), duplicates: 0, rejectedWhileDown: 0, badSignatures: 0 };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (state.down) {
        state.rejectedWhileDown += 1;
        response.writeHead(503).end('down for maintenance');
        return;
      }
      const raw = Buffer.concat(chunks);
      if (!verifyWebhookSignature(raw, request.headers['x-aspa-signature'], SECRET)) {
        state.badSignatures += 1;
        response.writeHead(401).end();
        return;
      }
      const key = String(request.headers['idempotency-key']);
      if (state.tickets.has(key)) {
        state.duplicates += 1;
      } else {
        state.tickets.set(key, (JSON.parse(raw.toString('utf8')) as { ticket: Ticket }).ticket);
      }
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: Receiver = Object.assign(state, {
    url: `http://127.0.0.1:${port}/hooks/aspa`,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  });
  return receiver;
}

/** What the composition root wires: Node's fetch, loopback only here. */
const sendWithFetch: WebhookSend = async ({ url, headers, body, signal }) => {
  const response = await fetch(url, { method: 'POST', headers, body, signal });
  await response.arrayBuffer();
  return { status: response.status };
};

describe('webhook delivery through the durable outbox', () => {
  let dataDir: string;
  let receiver: Receiver;
  const open: Stores[] = [];

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'aspa-handoff-'));
    receiver = await startReceiver();
  });

  afterEach(async () => {
    for (const stores of open.splice(0)) await stores.close();
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('receiver down for over a minute, server restarted in between: every ticket arrives exactly once', async () => {
    const clock = createFakeClock(START);
    const boot = () => {
      const stores = createEmbeddedStores({ dataDir, clock });
      open.push(stores);
      const service = createHandoffService({
        tickets: stores.tickets, customers: stores.customers, outbox: stores.outbox, clock,
        hours: {}, routing: {}, sinks: { webhook: { url: receiver.url, secret: SECRET } },
      });
      const dispatcher = createWebhookDispatcher({ outbox: stores.outbox, clock, send: sendWithFetch, url: receiver.url, secret: SECRET });
      return { stores, service, dispatcher };
    };
    const created: string[] = [];
    const createTickets = async (service: ReturnType<typeof boot>['service'], count: number) => {
      for (let index = 0; index < count; index += 1) {
        const ticket = await service.createTicket({ conversation: billingConversation(`chat-${created.length + 1}`, clock.now()), reason: 'billing_dispute', priority: 'high' });
        created.push(ticket.id);
        clock.advance(1_000);
      }
    };

    // First life: the helpdesk is down; tickets pile up in the outbox.
    const first = boot();
    await createTickets(first.service, 5);
    expect(await first.dispatcher.runOnce()).toBe(0);
    clock.advance(20_000);
    await createTickets(first.service, 3);
    expect(await first.dispatcher.runOnce()).toBe(0);
    // The process dies in the middle of a send: one item is claimed (leased) but never rescheduled.
    clock.advance(MINUTE / 6);
    expect(await first.stores.outbox.claim(clock.now(), 1, MINUTE)).toHaveLength(1);
    await first.dispatcher.stop();
    await first.stores.close();
    open.length = 0;

    // Second life over the same data folder: nothing was lost, ids go on, more tickets while still down.
    clock.advance(10_000);
    const second = boot();
    expect((await second.stores.outbox.pending()).map((item) => item.idempotencyKey).sort()).toEqual([...created].sort());
    await createTickets(second.service, 2);
    expect(new Set(created).size).toBe(10);
    clock.set(START + MINUTE + 30_000);
    expect(await second.dispatcher.runOnce()).toBe(0);
    expect(receiver.rejectedWhileDown).toBeGreaterThanOrEqual(10);
    expect(receiver.tickets.size).toBe(0);

    // The helpdesk is back. Retries are at most 5 minutes apart; the leased item is free after its minute.
    receiver.down = false;
    let delivered = 0;
    for (let round = 0; round < 5 && (await second.stores.outbox.pending()).length > 0; round += 1) {
      clock.advance(5 * MINUTE);
      delivered += await second.dispatcher.runOnce();
    }
    expect(await second.stores.outbox.pending()).toEqual([]);
    expect(delivered).toBe(10);
    expect([...receiver.tickets.keys()].sort()).toEqual([...created].sort());
    expect(receiver.duplicates).toBe(0);
    expect(receiver.badSignatures).toBe(0);
    for (const [key, ticket] of receiver.tickets) {
      expect(ticket.id).toBe(key);
      expect(ticket.transcript.length).toBeGreaterThan(0);
      expect(ticket.summary).toContain('Aihe: billing_dispute.');
    }
    expect(await second.stores.tickets.list()).toHaveLength(10);
  });

  test('a delivery whose acknowledgement is lost is sent again and dropped by the receiver: still exactly once', async () => {
    const clock = createFakeClock(START);
    const stores = createEmbeddedStores({ dataDir, clock });
    open.push(stores);
    receiver.down = false;
    let loseAcknowledgement = true;
    // Crash between the helpdesk's 200 and recording it: markDelivered never happens the first time.
    const outbox: Outbox = {
      ...stores.outbox,
      markDelivered: async (id, at) => {
        if (loseAcknowledgement) {
          loseAcknowledgement = false;
          throw new Error('process died');
        }
        return stores.outbox.markDelivered(id, at);
      },
    };
    const service = createHandoffService({
      tickets: stores.tickets, customers: stores.customers, outbox: stores.outbox, clock,
      hours: {}, routing: {}, sinks: { webhook: { url: receiver.url, secret: SECRET } },
    });
    const dispatcher = createWebhookDispatcher({ outbox, clock, send: sendWithFetch, url: receiver.url, secret: SECRET, leaseMs: MINUTE });
    const ticket = await service.createTicket({ conversation: billingConversation('chat-x', clock.now()), reason: 'customer_request', priority: 'normal' });

    await dispatcher.runOnce();
    expect(await stores.outbox.pending()).toHaveLength(1);
    clock.advance(MINUTE);
    expect(await dispatcher.runOnce()).toBe(1);
    expect(await stores.outbox.pending()).toEqual([]);
    expect([...receiver.tickets.keys()]).toEqual([ticket.id]);
    expect(receiver.duplicates).toBe(1);
  });
});
