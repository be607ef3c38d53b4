import * as path from 'node:path';
import { loadConfig } from '../../src/config/load-config';
import type { Turn } from '../../src/core/turn';
import { createIntegrations, loadBotFor } from '../../src/server/composition';
import { createScriptHarness, seedWaitingTickets, type ScriptHarness } from '../../src/testing/run-conversation-script';

// The engine with the demo bot: who the customer is, what their earlier contacts were, and what the transcript holds.
const root = path.resolve(__dirname, '..', '..');
const config = loadConfig({ ASPA_FLOWS_DIR: path.join(root, 'flows'), ASPA_LOCALES_DIR: path.join(root, 'locales'), ASPA_DATA_DIR: path.join(root, 'data') }, root);
const loaded = loadBotFor(config);
const integrations = createIntegrations(config);
const PHONE = '+358501239876';

function harnessAt(at: string): ScriptHarness {
  return createScriptHarness(loaded, integrations, Date.parse(at));
}

function talker(harness: ScriptHarness, conversationId: string, channel: Turn['channel'], customer?: Turn['customer']) {
  let n = 0;
  return async (text?: string) => {
    harness.clock.advance(10_000);
    return harness.engine.handleTurn({
      conversationId, channel, clientMessageId: `m${++n}`, locale: n === 1 ? 'fi' : undefined, ...(customer ? { customer } : {}),
      input: text === undefined ? { kind: 'start' } : { kind: 'text', text },
    });
  };
}

describe('customer history in the engine', () => {
  let harness: ScriptHarness | undefined;
  afterEach(async () => { await harness?.stores.close(); harness = undefined; });

  it('a callback number given in the chat finds the caller of three earlier calls: the ticket lists them with topics and outcomes', async () => {
    harness = harnessAt('2026-12-02T10:00:00+02:00');
    for (let call = 1; call <= 3; call += 1) {
      const say = talker(harness, `voice-call-${call}`, 'voice', { phone: PHONE });
      await say();
      await say('missä tilaukseni on');
      await say('12345');
      harness.clock.advance(3_600_000);
    }
    const caller = await harness.stores.customers.find({ phone: PHONE });
    // Each call is remembered with its topic and what it collected, not only that it started.
    expect(caller?.contacts.map((contact) => [contact.intent, contact.outcome, contact.slots?.order_number])).toEqual([
      ['order_status', 'open', '12345'], ['order_status', 'open', '12345'], ['order_status', 'open', '12345'],
    ]);

    const chat = talker(harness, 'web-callback', 'web');
    await chat();
    const result = await chat('soittakaa mulle numeroon 050 123 9876');
    const ticket = await harness.stores.tickets.get(result.ticketId as string);
    expect(ticket?.customerId).toBe(caller!.id);
    expect(ticket?.history.map((contact) => [contact.conversationId, contact.intent])).toEqual([
      ['voice-call-3', 'order_status'], ['voice-call-2', 'order_status'], ['voice-call-1', 'order_status'],
    ]);
    expect(ticket?.summary).toContain('Aiemmat yhteydet (3): 2.12.2026 puhelu: order_status (kesken)');
    expect(ticket?.summary).not.toContain('Aiemmat yhteydet: ei');
  });

  it('contact details given while waiting in a long queue reach the ticket and link the chat to the customer', async () => {
    harness = harnessAt('2026-12-02T10:00:00+02:00');
    await seedWaitingTickets({ waiting_tickets: { general: 5 } }, harness);
    const earlier = await harness.stores.customers.identify({ email: 'maija@example.fi' });
    await harness.stores.customers.recordContact(earlier.id, { conversationId: 'mail-chat', channel: 'web', at: harness.clock.now() - 86_400_000, intent: 'order_status', outcome: 'resolved' });
    const chat = talker(harness, 'web-queue', 'web');
    await chat();
    const handoff = await chat('haluan puhua ihmisen kanssa');
    expect(handoff.replies.map((reply) => (reply.kind === 'message' ? reply.key : reply.kind))).toEqual(expect.arrayContaining(['handoff', 'human.handoff_created', 'contact.ask']));
    const before = await harness.stores.tickets.get(handoff.ticketId as string);
    expect(before?.contact).toEqual({});
    expect(before?.history).toEqual([]);

    await chat('maija@example.fi');
    const after = await harness.stores.tickets.get(handoff.ticketId as string);
    expect(after?.contact).toEqual({ email: 'maija@example.fi', source: 'conversation' });
    expect(after?.customerId).toBe(earlier.id);
    expect(after?.history).toEqual([expect.objectContaining({ conversationId: 'mail-chat', outcome: 'resolved' })]);
    const customer = await harness.stores.customers.get(earlier.id);
    expect(customer?.contacts.find((contact) => contact.conversationId === 'web-queue')).toMatchObject({ channel: 'web', outcome: 'handoff', ticketId: handoff.ticketId });
  });

  it('the transcript records each channel\'s rendering: the spoken variant on the phone, the written one in the chat', async () => {
    harness = harnessAt('2026-12-02T10:00:00+02:00');
    await talker(harness, 'call', 'voice', { phone: PHONE })();
    await talker(harness, 'chat', 'web')();
    const call = await harness.engine.getConversation('call');
    const chat = await harness.engine.getConversation('chat');
    const asked = (record: typeof call) => record?.transcript.find((entry) => entry.key === 'main.how_can_i_help')?.text;
    expect(asked(call)).toBe(loaded.catalog.get('fi', 'main.how_can_i_help')?.voice?.[0]);
    expect(asked(chat)).toBe(loaded.catalog.get('fi', 'main.how_can_i_help')?.text[0]);
  });

  it('each customer line carries its sentiment, and the ticket of an angry customer says so', async () => {
    harness = harnessAt('2026-12-02T10:00:00+02:00');
    const chat = talker(harness, 'angry', 'web');
    await chat();
    const result = await chat('tämä on aivan surkeaa ja kamalaa palvelua, olen todella vihainen');
    const record = await harness.engine.getConversation('angry');
    const line = record?.transcript.find((entry) => entry.from === 'customer');
    expect(line?.sentiment).toBeLessThan(-0.5);
    const ticket = await harness.stores.tickets.get(result.ticketId as string);
    expect(ticket?.reason).toBe('negative_sentiment');
    expect(ticket?.sentiment).toMatchObject({ label: 'negative', lines: 1 });
  });
});
