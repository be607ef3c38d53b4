import { AppError } from '../../src/core/errors';
import type { Stores } from '../../src/core/ports';
import type { TicketRequest } from '../../src/core/services';
import { createHandoffService, sentimentOf, type HandoffServiceDeps, type TicketWebhookPayload } from '../../src/handoff/create-handoff-service';
import { HandoffConfigError } from '../../src/handoff/handoff-config-error';
import { createMemoryStores } from '../../src/stores/memory/create-memory-stores';
import { billingConversation, createFakeClock, SECRET, type FakeClock } from './support/handoff-fixtures';

const NOW = Date.parse('2026-03-02T09:00:00Z'); // Monday 11:00 in Helsinki
const HOUR = 3_600_000;

function setup(overrides: Partial<HandoffServiceDeps> = {}): { stores: Stores; clock: FakeClock; deps: HandoffServiceDeps } {
  const clock = createFakeClock(NOW);
  const stores = createMemoryStores({ clock });
  const deps: HandoffServiceDeps = {
    tickets: stores.tickets, customers: stores.customers, outbox: stores.outbox, clock,
    hours: {}, routing: {}, sinks: { webhook: { url: 'http://127.0.0.1:9/hooks', secret: SECRET } },
    ...overrides,
  };
  return { stores, clock, deps };
}

describe('createTicket', () => {
  test('builds the whole ticket, stores it, queues the webhook delivery and remembers the contact', async () => {
    const { stores, deps } = setup({ summary: { intentLabel: (intent) => (intent === 'billing_dispute' ? 'laskuriita' : undefined) } });
    const customer = await stores.customers.identify({ phone: '+358401234567', name: 'Maija Meikäläinen' });
    await stores.customers.recordContact(customer.id, {
      conversationId: 'call-1', channel: 'voice', at: NOW - 48 * HOUR, intent: 'order_status', outcome: 'resolved',
    });
    const conversation = billingConversation('chat-1', NOW - 60_000, { customerId: customer.id, slots: { invoiceNumber: '12345678', phone: '040 123 4567', email: ' Maija@Example.FI ' } });
    const service = createHandoffService(deps);

    const ticket = await service.createTicket({ conversation, reason: 'billing_dispute', priority: 'high' });

    expect(ticket).toMatchObject({
      id: 'ASPA-000001', conversationId: 'chat-1', createdAt: NOW, channel: 'web', locale: 'fi',
      reason: 'billing_dispute', intent: 'billing_dispute', priority: 'high', queue: 'billing', dueAt: NOW + 2 * HOUR,
      contact: { name: 'Maija Meikäläinen', phone: '+358401234567', email: 'maija@example.fi' },
      slots: { invoiceNumber: '12345678' }, status: 'open',
    });
    expect(ticket.transcript).toEqual(conversation.transcript);
    expect(ticket.transcript).not.toBe(conversation.transcript);
    expect(ticket.history).toEqual([expect.objectContaining({ conversationId: 'call-1', channel: 'voice' })]);
    expect(ticket.summary).toContain('Aihe: laskuriita (billing_dispute).');
    expect(ticket.summary).toContain('Asiakas: "Minua on laskutettu kahdesti".');
    expect(ticket.summary).toContain('Aiemmat yhteydet (1): 28.2.2026 puhelu: order_status (botti ratkaisi).');

    expect(await stores.tickets.get(ticket.id)).toEqual(ticket);
    const [item] = await stores.outbox.pending();
    expect(item).toMatchObject({ id: 'webhook:ASPA-000001', sink: 'webhook', idempotencyKey: 'ASPA-000001', dueAt: NOW, createdAt: NOW });
    expect((item.payload as TicketWebhookPayload)).toEqual({ event: 'ticket.created', ticket });

    const remembered = await stores.customers.get(customer.id);
    expect(remembered?.contacts).toEqual(expect.arrayContaining([
      expect.objectContaining({ conversationId: 'chat-1', ticketId: 'ASPA-000001', outcome: 'handoff', intent: 'billing_dispute' }),
    ]));
  });

  test('routing: the flow queue wins, the intent comes from the transcript, the SLA from the priority', async () => {
    const { deps } = setup({ routing: { slaMinutes: { urgent: 5 } } });
    const service = createHandoffService(deps);
    const conversation = billingConversation('chat-2', NOW);
    expect(await service.createTicket({ conversation, reason: 'customer_request', priority: 'urgent', queue: 'vip' }))
      .toMatchObject({ queue: 'vip', intent: 'billing_dispute', dueAt: NOW + 5 * 60_000 });
    expect(await service.createTicket({ conversation: billingConversation('chat-3', NOW, { transcript: [] }), reason: 'emergency', priority: 'low', intent: 'outage_report' }))
      .toMatchObject({ queue: 'technical', dueAt: NOW + 24 * HOUR });
    expect(await service.createTicket({ conversation: billingConversation('chat-4', NOW, { transcript: [] }), reason: 'callback', priority: 'normal' }))
      .toMatchObject({ queue: 'general', dueAt: NOW + 8 * HOUR });
  });

  test('contact from the slots only, without a known customer; history empty', async () => {
    const { deps } = setup();
    const service = createHandoffService(deps);
    const ticket = await service.createTicket({ conversation: billingConversation('chat-5', NOW, { slots: { phoneNumber: 'not a number', email: 'x@y.fi' } }), reason: 'callback', priority: 'normal' });
    expect(ticket.contact).toEqual({ email: 'x@y.fi', source: 'conversation' });
    expect(ticket.history).toEqual([]);
  });

  test('without a webhook sink nothing is queued', async () => {
    const { stores, deps } = setup({ sinks: {} });
    await createHandoffService(deps).createTicket({ conversation: billingConversation('chat-6', NOW), reason: 'flow', priority: 'normal' });
    expect(await stores.outbox.pending()).toEqual([]);
    expect(await stores.tickets.list()).toHaveLength(1);
  });

  test('the delivery job is queued before the ticket is stored: a failing ticket store loses no delivery', async () => {
    const { stores, deps } = setup();
    const service = createHandoffService({ ...deps, tickets: { ...stores.tickets, create: async () => { throw new Error('disk full'); } } });
    await expect(service.createTicket({ conversation: billingConversation('chat-7', NOW), reason: 'flow', priority: 'normal' })).rejects.toThrow('disk full');
    expect(await stores.outbox.pending()).toHaveLength(1);
  });

  test('a failing outbox stores no ticket that no helpdesk would hear of', async () => {
    const { stores, deps } = setup();
    const service = createHandoffService({ ...deps, outbox: { ...stores.outbox, enqueue: async () => { throw new Error('outbox down'); } } });
    await expect(service.createTicket({ conversation: billingConversation('chat-8', NOW), reason: 'flow', priority: 'normal' })).rejects.toThrow('outbox down');
    expect(await stores.tickets.list()).toEqual([]);
  });

  test('a customer store failure still gives a ticket', async () => {
    const { stores, deps } = setup();
    const broken = { ...stores.customers, get: async () => { throw new Error('customers down'); } };
    const ticket = await createHandoffService({ ...deps, customers: broken })
      .createTicket({ conversation: billingConversation('chat-9', NOW, { customerId: 'cust-x' }), reason: 'flow', priority: 'normal' });
    expect(ticket.history).toEqual([]);
    expect(ticket.contact.phone).toBe('+358401234567');
  });

  test.each([
    [{ conversation: undefined }, /conversation record/],
    [{ reason: 'bored' }, /handoff reason "bored"/],
    [{ priority: 'asap' }, /priority "asap"/],
    [{ queue: '' }, /queue must be a non-empty string/],
  ])('bad request %j is refused with a clear AppError', async (change, message) => {
    const { deps } = setup();
    const request = { conversation: billingConversation('chat-10', NOW), reason: 'flow', priority: 'normal', ...change } as unknown as TicketRequest;
    const attempt = createHandoffService(deps).createTicket(request);
    await expect(attempt).rejects.toBeInstanceOf(AppError);
    await expect(createHandoffService(deps).createTicket(request)).rejects.toThrow(message);
  });
});

describe('customer on the ticket: contact, history, sentiment', () => {
  test('the contact says where it came from: given in the conversation, the channel (caller id), the customer record', async () => {
    const { stores, deps } = setup();
    const service = createHandoffService(deps);
    const customer = await stores.customers.identify({ phone: '+358401234567', email: 'maija@example.fi' });
    const given = await service.createTicket({ conversation: billingConversation('c-1', NOW, { slots: { contact: '050 123 9876' } }), reason: 'callback', priority: 'normal', customer });
    expect(given.contact).toEqual({ phone: '+358501239876', email: 'maija@example.fi', source: 'conversation' });
    expect(given.customerId).toBe(customer.id);
    const called = await service.createTicket({ conversation: billingConversation('c-2', NOW, { channel: 'voice', slots: {} }), reason: 'customer_request', priority: 'normal', hints: { phone: '+358407777777' } });
    expect(called.contact).toEqual({ phone: '+358407777777', source: 'channel' });
    const remembered = await service.createTicket({ conversation: billingConversation('c-3', NOW, { slots: {} }), reason: 'customer_request', priority: 'normal', customer });
    expect(remembered.contact).toEqual({ phone: '+358401234567', email: 'maija@example.fi', source: 'customer_record' });
    const none = await service.createTicket({ conversation: billingConversation('c-4', NOW, { slots: { contact: 'soittakaa' } }), reason: 'customer_request', priority: 'normal' });
    expect(none.contact).toEqual({});
  });

  test('sentiment from the customer lines: the last, the lowest, the average and a label', async () => {
    const line = (sentiment?: number) => ({ at: 0, from: 'customer' as const, text: 'x', ...(sentiment === undefined ? {} : { sentiment }) });
    expect(sentimentOf([{ at: 0, from: 'bot', text: 'hei' }, line()])).toBeUndefined();
    expect(sentimentOf([line(0.1), line(-0.7), line(0.2)])).toEqual({ label: 'negative', last: 0.2, lowest: -0.7, average: -0.133, lines: 3 });
    expect(sentimentOf([line(0.1), line(-0.3)])).toMatchObject({ label: 'negative' });
    expect(sentimentOf([line(0), line(0.4)])).toMatchObject({ label: 'positive' });
    expect(sentimentOf([line(-0.3), line(0.4)])).toMatchObject({ label: 'neutral' });
    const { deps } = setup();
    const ticket = await createHandoffService(deps).createTicket({
      conversation: billingConversation('c-5', NOW, { transcript: [line(-0.2), line(-0.8)] }), reason: 'negative_sentiment', priority: 'high',
    });
    expect(ticket.sentiment).toEqual({ label: 'negative', last: -0.8, lowest: -0.8, average: -0.5, lines: 2 });
    expect(ticket.summary).toContain('Sävy: kielteinen (viimeisin −0.80, alin −0.80).');
    const [item] = (await deps.outbox.pending()).filter((pending) => pending.idempotencyKey === ticket.id);
    expect((item.payload as TicketWebhookPayload).ticket.sentiment).toEqual(ticket.sentiment);
  });

  test('waitingAhead: open tickets of the same queue made before this one', async () => {
    const { deps, clock } = setup();
    const service = createHandoffService(deps);
    const make = async (id: string, queue: string) => { clock.advance(1000); return service.createTicket({ conversation: billingConversation(id, clock.now()), reason: 'customer_request', priority: 'normal', queue }); };
    await make('q-1', 'general');
    const claimed = await make('q-2', 'general');
    await deps.tickets.update({ ...claimed, status: 'claimed', agent: 'Maija' });
    await make('q-3', 'billing');
    const mine = await make('q-4', 'general');
    await make('q-5', 'general');
    expect(await service.waitingAhead(mine)).toBe(1);
  });

  test('updateCustomer: contact details given after the handoff reach the ticket, its history and the helpdesk once', async () => {
    const { stores, deps } = setup({ summary: { intentLabel: (intent) => (intent === 'order_status' ? 'Tilauksen tila' : undefined) } });
    const service = createHandoffService(deps);
    const conversation = billingConversation('late-1', NOW - 60_000, { slots: { invoiceNumber: '12345678' } });
    const ticket = await service.createTicket({ conversation, reason: 'customer_request', priority: 'normal' });
    expect(ticket.contact).toEqual({});
    expect(ticket.summary).toContain('Aiemmat yhteydet: ei.');

    const customer = await stores.customers.identify({ email: 'maija@example.fi' });
    await stores.customers.recordContact(customer.id, { conversationId: 'call-0', channel: 'voice', at: NOW - 86_400_000, intent: 'order_status', outcome: 'resolved' });
    const later = { ...conversation, slots: { ...conversation.slots, contact: 'Maija@Example.fi', wants_human: 'yes' } };
    const updated = await service.updateCustomer(ticket.id, { conversation: later, customer: await stores.customers.get(customer.id) });
    expect(updated).toMatchObject({ contact: { email: 'maija@example.fi', source: 'conversation' }, customerId: customer.id, slots: { invoiceNumber: '12345678', contact: 'Maija@Example.fi' } });
    expect(updated?.slots.wants_human).toBeUndefined();
    expect(updated?.history).toEqual([expect.objectContaining({ conversationId: 'call-0', intent: 'order_status' })]);
    expect(updated?.summary).toContain('Aiemmat yhteydet (1): 1.3.2026 puhelu: Tilauksen tila (botti ratkaisi).');
    expect(updated?.transcript).toEqual(ticket.transcript);
    expect(await stores.tickets.get(ticket.id)).toEqual(updated);
    const events = (await stores.outbox.pending()).map((item) => (item.payload as TicketWebhookPayload).event);
    expect(events).toEqual(['ticket.created', 'ticket.updated']);

    // Nothing new: no write, no second delivery; an unknown ticket is undefined.
    expect(await service.updateCustomer(ticket.id, { conversation: later, customer: await stores.customers.get(customer.id) })).toEqual(updated);
    expect(await stores.outbox.pending()).toHaveLength(2);
    expect(await service.updateCustomer('ASPA-999999', { conversation: later })).toBeUndefined();
  });
});

describe('opening hours through the service', () => {
  test('isOpen and nextOpening in three languages', () => {
    const { deps } = setup();
    const service = createHandoffService(deps);
    const saturdayEvening = Date.parse('2026-03-07T16:00:00Z');
    expect(service.isOpen(NOW)).toBe(true);
    expect(service.isOpen(saturdayEvening)).toBe(false);
    const monday = Date.parse('2026-03-09T06:00:00Z');
    expect(service.nextOpening(saturdayEvening, 'fi')).toEqual({ at: monday, text: 'maanantaina klo 8' });
    expect(service.nextOpening(saturdayEvening, 'en')).toEqual({ at: monday, text: 'on Monday at 8:00' });
    expect(service.nextOpening(saturdayEvening, 'sv')).toEqual({ at: monday, text: 'på måndag kl. 8' });
    expect(service.nextOpening(saturdayEvening, 'de' as 'fi').text).toBe('maanantaina klo 8');
  });
});

describe('configuration', () => {
  test.each([
    [{ sinks: { webhook: { url: 'ftp://helpdesk', secret: SECRET } } }, /not an http\(s\) URL/],
    [{ sinks: { webhook: { url: 'http://127.0.0.1/x', secret: 'short' } } }, /at least 16 characters/],
    [{ hours: { timeZone: 'Nowhere/City' } }, /IANA/],
    [{ routing: { defaultQueue: 'Front Desk' } }, /not a queue name/],
  ])('invalid settings are refused at start: %j', (override, message) => {
    const { deps } = setup(override as Partial<HandoffServiceDeps>);
    expect(() => createHandoffService(deps)).toThrow(HandoffConfigError);
    expect(() => createHandoffService(deps)).toThrow(message);
  });
});
