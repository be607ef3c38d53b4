import { createEngine } from '../../src/core/engine';
import { silentLogger } from '../../src/core/logger';
import type { Stores } from '../../src/core/ports';
import { createHandoffService } from '../../src/handoff/create-handoff-service';
import { createMemoryStores } from '../../src/stores/memory/create-memory-stores';
import { loadMiniBot } from '../support/mini-bot';

const OPEN_TIME = Date.parse('2026-12-02T10:00:00+02:00');
const loaded = loadMiniBot();

/** An engine whose conversation save fails once, right after a ticket was committed: a crash between the two. */
function buildCrashing() {
  let now = OPEN_TIME;
  const clock = { now: () => (now += 5) };
  const stores = createMemoryStores({ clock });
  let crashes = 1;
  const crashAfterTicket = async (): Promise<void> => {
    if (crashes > 0 && (await stores.tickets.list()).length > 0) {
      crashes -= 1;
      throw new Error('process killed before the conversation was saved');
    }
  };
  const crashing: Stores = {
    ...stores,
    conversations: {
      ...stores.conversations,
      async save(record, options) {
        await crashAfterTicket();
        return stores.conversations.save(record, options);
      },
      async saveState(state, options) {
        await crashAfterTicket();
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
    options: { locales: ['fi', 'en'] }, integrations: {},
  });
  return { engine, stores };
}

describe('ticket creation is idempotent per conversation and turn', () => {
  it('a turn retried after a crash between the ticket and the conversation save finds the ticket instead of making a second', async () => {
    const { engine, stores } = buildCrashing();
    await engine.handleTurn({ conversationId: 'crash-1', channel: 'test', input: { kind: 'start' } });
    const turn = { conversationId: 'crash-1', channel: 'test' as const, input: { kind: 'text' as const, text: 'ihminen' } };
    await expect(engine.handleTurn(turn)).rejects.toThrow('process killed');
    expect(await stores.tickets.list()).toHaveLength(1);

    // The customer sends the same message again (no clientMessageId: the widget's retry or a person retyping).
    const retried = await engine.handleTurn(turn);
    const tickets = await stores.tickets.list();
    expect(tickets).toHaveLength(1);
    expect(retried.ticketId).toBe(tickets[0].id);
    expect((await engine.getConversation('crash-1'))?.ticketId).toBe(tickets[0].id);
    // One helpdesk delivery, under the ticket's id.
    const deliveries = await stores.outbox.pending();
    expect(deliveries.map((item) => item.idempotencyKey)).toEqual([tickets[0].id]);
  });

  it('the first message of a new conversation too', async () => {
    const { engine, stores } = buildCrashing();
    const turn = { conversationId: 'crash-2', channel: 'test' as const, input: { kind: 'text' as const, text: 'ihminen' } };
    await expect(engine.handleTurn(turn)).rejects.toThrow('process killed');
    const retried = await engine.handleTurn(turn);
    expect((await stores.tickets.list()).map((ticket) => ticket.id)).toEqual([retried.ticketId]);
  });

  it('later handoffs of the same conversation still get tickets of their own', async () => {
    const stores = createMemoryStores();
    const clock = { now: () => OPEN_TIME };
    const handoff = createHandoffService({ tickets: stores.tickets, customers: stores.customers, outbox: stores.outbox, clock, hours: {}, routing: {}, sinks: {} });
    const engine = createEngine({ bot: loaded.bot, catalog: loaded.catalog, nlu: loaded.nlu, stores, handoff, clock, logger: silentLogger, options: { locales: ['fi', 'en'] }, integrations: {} });
    const first = await engine.handleTurn({ conversationId: 'twice', channel: 'test', input: { kind: 'text', text: 'ihminen' } });
    await engine.handleTurn({ conversationId: 'twice', channel: 'test', input: { kind: 'text', text: 'alusta' } });
    const second = await engine.handleTurn({ conversationId: 'twice', channel: 'test', input: { kind: 'text', text: 'ihminen' } });
    expect(first.ticketId).toBeDefined();
    expect(second.ticketId).toBeDefined();
    expect(second.ticketId).not.toBe(first.ticketId);
    expect(await stores.tickets.list()).toHaveLength(2);
  });

  it('a conversation id that starts afresh after the idle timeout gets a ticket of its own', async () => {
    let now = OPEN_TIME;
    const clock = { now: () => now };
    const stores = createMemoryStores({ clock });
    const handoff = createHandoffService({ tickets: stores.tickets, customers: stores.customers, outbox: stores.outbox, clock, hours: {}, routing: {}, sinks: {}, ticketKeyTtlMs: 30 * 60_000 });
    const engine = createEngine({ bot: loaded.bot, catalog: loaded.catalog, nlu: loaded.nlu, stores, handoff, clock, logger: silentLogger, options: { locales: ['fi', 'en'], idleTimeoutMs: 30 * 60_000 }, integrations: {} });
    const first = await engine.handleTurn({ conversationId: 'reused', channel: 'test', input: { kind: 'text', text: 'ihminen' } });
    now += 30 * 60_000;
    expect(await engine.getConversation('reused')).toBeUndefined();
    const second = await engine.handleTurn({ conversationId: 'reused', channel: 'test', input: { kind: 'text', text: 'ihminen' } });
    expect(second.ticketId).not.toBe(first.ticketId);
    expect(await stores.tickets.list()).toHaveLength(2);
  });

  it('the handoff service answers the ticket it made for the same conversation and turn, with one delivery job', async () => {
    const stores = createMemoryStores();
    const clock = { now: () => OPEN_TIME };
    const handoff = createHandoffService({
      tickets: stores.tickets, customers: stores.customers, outbox: stores.outbox, clock, hours: {}, routing: {},
      sinks: { webhook: { url: 'http://127.0.0.1:9/hooks', secret: 'a-webhook-secret-for-tests' } },
    });
    const conversation = {
      id: 'svc', version: 7, createdAt: OPEN_TIME, updatedAt: OPEN_TIME, channel: 'web' as const, locale: 'fi' as const, status: 'active' as const,
      snapshot: null, state: 'main.menu', slots: {}, transcript: [], processed: [], misunderstood: 0,
    };
    const [a, b] = await Promise.all([
      handoff.createTicket({ conversation, reason: 'customer_request', priority: 'normal' }),
      handoff.createTicket({ conversation, reason: 'customer_request', priority: 'normal' }),
    ]);
    expect(b).toEqual(a);
    expect(await handoff.createTicket({ conversation, reason: 'customer_request', priority: 'normal' })).toEqual(a);
    expect(await stores.tickets.list()).toHaveLength(1);
    expect(await stores.outbox.pending()).toHaveLength(1);
    // The conversation's next ticket (it has made one) is a ticket of its own.
    const next = await handoff.createTicket({ conversation: { ...conversation, version: 8, handoffs: 1 }, reason: 'customer_request', priority: 'normal' });
    expect(next.id).not.toBe(a.id);
  });
});
