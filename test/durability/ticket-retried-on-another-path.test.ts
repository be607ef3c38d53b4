import * as path from 'node:path';
import { loadConfig } from '../../src/config/load-config';
import { createEngine } from '../../src/core/engine';
import { silentLogger } from '../../src/core/logger';
import type { Stores } from '../../src/core/ports';
import type { TicketWebhookPayload } from '../../src/handoff/create-handoff-service';
import { createHandoffService } from '../../src/handoff/create-handoff-service';
import { createIntegrations, loadBotFor } from '../../src/server/composition';
import { createMemoryStores } from '../../src/stores/memory/create-memory-stores';

// The soak's duplicated ticket (npm run soak, issue 11), replayed without timing: the demo bot, a customer who asks
// for a person a few seconds before closing time, the process killed after the ticket was committed but before the
// conversation was saved, and the retry landing after closing time. The retry runs the same turn down another path
// (no agents: a callback is offered), so the ticket of the first attempt is never told; the billing complaint that
// follows is a handoff of its own and, keyed by the conversation's next version, used to make a second ticket.
const root = path.resolve(__dirname, '..', '..');
const config = loadConfig({
  ASPA_FLOWS_DIR: path.join(root, 'flows'), ASPA_LOCALES_DIR: path.join(root, 'locales'), ASPA_DATA_DIR: path.join(root, 'data'),
  ASPA_STORE: 'memory', LOG_LEVEL: 'silent',
}, root);
const loaded = loadBotFor(config);

const BEFORE_CLOSING = Date.parse('2026-12-03T17:59:50+02:00'); // Thursday; agents are in until 18:00
const AFTER_CLOSING = Date.parse('2026-12-03T18:00:40+02:00');

function build() {
  let now = BEFORE_CLOSING - 60_000;
  const clock = { now: () => now, set: (at: number) => { now = at; } };
  const stores = createMemoryStores({ clock });
  let crashAfterTicket = true;
  // The process dies after the ticket is written and before the turn's conversation save, whichever save path it takes.
  const crashIfTicketed = async (): Promise<void> => {
    if (crashAfterTicket && (await stores.tickets.list()).length > 0) {
      crashAfterTicket = false;
      throw new Error('SIGKILL between the ticket and the conversation save');
    }
  };
  const crashing: Stores = {
    ...stores,
    conversations: {
      ...stores.conversations,
      async save(record, options) {
        await crashIfTicketed();
        return stores.conversations.save(record, options);
      },
      async saveState(state, options) {
        await crashIfTicketed();
        return stores.conversations.saveState(state, options);
      },
    },
  };
  const handoff = createHandoffService({
    tickets: stores.tickets, customers: stores.customers, outbox: stores.outbox, clock, hours: {}, routing: {},
    sinks: { webhook: { url: 'http://127.0.0.1:9/hooks', secret: 'a-webhook-secret-for-tests' } },
  });
  const engine = createEngine({
    bot: loaded.bot, catalog: loaded.catalog, nlu: loaded.nlu, stores: crashing, handoff, clock, logger: silentLogger,
    integrations: createIntegrations(config), options: { locales: ['fi', 'en', 'sv'] },
  });
  return { engine, stores, clock };
}

describe('a handoff retried after a crash, down another path', () => {
  it('makes one ticket: the later handoff takes over the ticket the crashed attempt made, and the helpdesk hears of the change', async () => {
    const { engine, stores, clock } = build();
    const conversationId = 'soak-duplicate-1';
    await engine.handleTurn({ conversationId, channel: 'web', input: { kind: 'start' } });

    clock.set(BEFORE_CLOSING);
    const askForPerson = { conversationId, channel: 'web' as const, clientMessageId: 'ask-person-1', input: { kind: 'text' as const, text: 'haluan puhua ihmisen kanssa' } };
    await expect(engine.handleTurn({ ...askForPerson, timestamp: clock.now() })).rejects.toThrow('SIGKILL');
    const [orphan] = await stores.tickets.list();
    expect(orphan).toMatchObject({ conversationId, reason: 'customer_request' });

    // The customer's retry (same clientMessageId) after closing time: no ticket now, a callback is offered instead.
    clock.set(AFTER_CLOSING);
    const retried = await engine.handleTurn({ ...askForPerson, timestamp: clock.now() });
    expect(retried.replies.some((reply) => reply.kind === 'handoff')).toBe(false);
    expect(retried.state).toBe('human.offer_callback');

    clock.set(AFTER_CLOSING + 5000);
    const complaint = await engine.handleTurn({
      conversationId, channel: 'web', clientMessageId: 'complaint-1', timestamp: clock.now(),
      input: { kind: 'text', text: 'Lasku 2026-1187: minulta veloitettiin marraskuun kuukausimaksu kahdesti' },
    });
    const told = complaint.replies.find((reply) => reply.kind === 'handoff');
    expect(told).toBeDefined();

    const tickets = (await stores.tickets.list()).filter((ticket) => ticket.conversationId === conversationId);
    expect(tickets.map((ticket) => ticket.id)).toEqual([orphan.id]);
    expect(told && 'ticketId' in told ? told.ticketId : undefined).toBe(orphan.id);
    // The ticket says what the customer finally needed, with the whole transcript.
    expect(tickets[0]).toMatchObject({ reason: 'billing_dispute', queue: 'billing', priority: 'high', createdAt: orphan.createdAt });
    expect(tickets[0].transcript.some((line) => line.from === 'customer' && line.text.includes('kahdesti'))).toBe(true);
    expect((await engine.getConversation(conversationId))?.ticketId).toBe(orphan.id);

    // One creation and one update reach the helpdesk, both under the one ticket id.
    const deliveries = (await stores.outbox.pending()).map((item) => item.payload as TicketWebhookPayload);
    expect(deliveries.map((payload) => [payload.event, payload.ticket.id, payload.ticket.reason])).toEqual([
      ['ticket.created', orphan.id, 'customer_request'],
      ['ticket.updated', orphan.id, 'billing_dispute'],
    ]);
  });
});
