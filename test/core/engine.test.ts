import { createEngine, type Engine } from '../../src/core/engine';
import { silentLogger } from '../../src/core/logger';
import type { Stores } from '../../src/core/ports';
import type { ReplyMessage, TurnResult } from '../../src/core/reply';
import type { Turn } from '../../src/core/turn';
import type { IntegrationOutput } from '../../src/flows/dialog-types';
import { createHandoffService } from '../../src/handoff/create-handoff-service';
import { createMemoryStores } from '../../src/stores/memory/create-memory-stores';
import { loadMiniBot } from '../support/mini-bot';

const OPEN_TIME = Date.parse('2026-12-02T10:00:00+02:00');
const loaded = loadMiniBot();

function build(stores?: Stores): { engine: Engine; stores: Stores; clock: { now(): number; advance(ms: number): void } } {
  let now = OPEN_TIME;
  const clock = { now: () => now, advance: (ms: number) => { now += ms; } };
  const s = stores ?? createMemoryStores({ clock });
  const handoff = createHandoffService({ tickets: s.tickets, customers: s.customers, outbox: s.outbox, clock, hours: {}, routing: {}, sinks: {} });
  const engine = createEngine({
    bot: loaded.bot, catalog: loaded.catalog, nlu: loaded.nlu, stores: s, handoff, clock, logger: silentLogger,
    options: { locales: ['fi', 'en'] },
    integrations: {
      'orders.lookup': async (inputs): Promise<IntegrationOutput> => (inputs.order_number === '12345' ? { outcome: 'found', result: { status: 'toimitettu' } } : { outcome: 'not_found', result: {} }),
    },
  });
  return { engine, stores: s, clock };
}

const texts = (result: TurnResult): string[] => result.replies.filter((r): r is ReplyMessage => r.kind === 'message').map((r) => r.text);
const keys = (result: TurnResult): (string | undefined)[] => result.replies.filter((r): r is ReplyMessage => r.kind === 'message').map((r) => r.key);
const say = (engine: Engine, id: string, text: string, extra: Partial<Turn> = {}) => engine.handleTurn({ conversationId: id, channel: 'test', input: { kind: 'text', text }, ...extra });

describe('engine', () => {
  it('greets on start with quick replies and waits in the menu', async () => {
    const { engine } = build();
    const result = await engine.handleTurn({ conversationId: 'c1', channel: 'test', input: { kind: 'start' } });
    expect(keys(result)).toEqual(['main.menu']);
    const message = result.replies[0] as ReplyMessage;
    expect(message.quickReplies).toEqual([{ label: 'Tilaus (fi)', payload: 'order_status' }, { label: 'Ihminen (fi)', payload: 'human_agent' }]);
    expect(result.state).toBe('main.menu');
    expect(result.replies.some((r) => r.kind === 'listen')).toBe(true);
  });

  it('runs a subflow with a slot and an integration, then returns to the caller', async () => {
    const { engine } = build();
    await engine.handleTurn({ conversationId: 'c2', channel: 'test', input: { kind: 'start' } });
    const ask = await say(engine, 'c2', 'missä tilaukseni');
    expect(keys(ask)).toEqual(['order.ask_number']);
    expect((ask.replies[0] as ReplyMessage).voice).toBe('Sano tilausnumero. (fi)');
    expect(ask.state).toBe('order.ask_number');
    const told = await say(engine, 'c2', 'se on 12345');
    expect(texts(told)).toEqual(['Tilaus 12345: toimitettu (fi)', 'Voinko auttaa muussa? (fi)']);
    expect(told.state).toBe('main.menu_again');
    const record = await engine.getConversation('c2');
    expect(record?.slots).toMatchObject({ order_number: '12345', order_status_text: 'toimitettu' });
    expect(record?.transcript.map((e) => e.from)).toEqual(['bot', 'customer', 'bot', 'customer', 'bot', 'bot']);
    expect(record?.transcript[1]).toMatchObject({ intent: 'order_status', text: 'missä tilaukseni' });
  });

  it('answers a first message directly without the greeting', async () => {
    const { engine } = build();
    const result = await say(engine, 'c3', 'milloin olette auki');
    expect(keys(result)).toEqual(['faq.opening_hours', 'main.anything_else']);
  });

  it('reprompts a slot, then follows on_failure after the retries', async () => {
    const { engine } = build();
    await say(engine, 'c4', 'tilaus');
    const again = await say(engine, 'c4', 'en muista');
    expect(keys(again)).toEqual(['system.reprompt', 'order.ask_number']);
    const failed = await say(engine, 'c4', 'ei aavistusta');
    expect(keys(failed)).toEqual(['order.give_up', 'main.anything_else']);
  });

  it('offers a human after two misunderstood turns in a row', async () => {
    const { engine } = build();
    await engine.handleTurn({ conversationId: 'c5', channel: 'test', input: { kind: 'start' } });
    const first = await say(engine, 'c5', 'blaa blaa');
    expect(keys(first)).toEqual(['system.not_understood', 'main.menu']);
    const second = await say(engine, 'c5', 'höpö höpö');
    expect(keys(second)).toEqual(['main.offer_human']);
  });

  it('hands off to a human from any state with a readable ticket id', async () => {
    const { engine, stores } = build();
    await say(engine, 'c6', 'tilaus');
    const result = await say(engine, 'c6', 'haluan ihmisen');
    const handoff = result.replies.find((r) => r.kind === 'handoff');
    expect(handoff).toMatchObject({ kind: 'handoff', queue: 'general', reason: 'customer_request' });
    expect(result.ticketId).toMatch(/^ASPA-\d{6}$/);
    expect(texts(result)[0]).toBe(`Tiketti ${result.ticketId} luotu. (fi)`);
    const ticket = await stores.tickets.get(result.ticketId as string);
    expect(ticket?.transcript.length).toBeGreaterThan(0);
  });

  it('a ticket that cannot be made is not spoken of as made: the error, then the main menu', async () => {
    let now = OPEN_TIME;
    const clock = { now: () => now, advance: (ms: number) => { now += ms; } };
    const stores = createMemoryStores({ clock });
    const failing = { ...stores.tickets, create: async () => { throw new Error('helpdesk down'); } };
    const handoff = createHandoffService({ tickets: failing, customers: stores.customers, outbox: stores.outbox, clock, hours: {}, routing: {}, sinks: {} });
    const engine = createEngine({ bot: loaded.bot, catalog: loaded.catalog, nlu: loaded.nlu, stores, handoff, clock, logger: silentLogger, options: { locales: ['fi', 'en'] }, integrations: {} });
    await say(engine, 'c-fail', 'tilaus');
    const result = await say(engine, 'c-fail', 'haluan ihmisen');
    expect(keys(result)).toContain('system.error');
    expect(keys(result)).not.toContain('main.ticket');
    expect(result.replies.some((r) => r.kind === 'handoff')).toBe(false);
    expect(result.ticketId).toBeUndefined();
    expect(result.state).toBe('main.menu');
    // The conversation goes on.
    expect(keys(await say(engine, 'c-fail', 'missä tilaukseni'))).toEqual(['order.ask_number']);
  });

  it('changes language mid-conversation and repeats the question', async () => {
    const { engine } = build();
    await engine.handleTurn({ conversationId: 'c7', channel: 'test', input: { kind: 'start' } });
    const result = await say(engine, 'c7', 'in english please');
    expect(result.locale).toBe('en');
    // The question is asked again in the new language, with the next variant (no word-for-word repeat).
    expect(texts(result)).toEqual(['Kieli vaihdettu (en)', 'Moi (en)! Kerro asiasi.']);
  });

  it('rejects bad input and changes nothing', async () => {
    const { engine } = build();
    await engine.handleTurn({ conversationId: 'c8', channel: 'test', input: { kind: 'start' } });
    const before = await engine.getConversation('c8');
    await expect(say(engine, 'c8', '   ')).rejects.toMatchObject({ code: 'empty_text' });
    await expect(say(engine, 'c8', 'x'.repeat(2001))).rejects.toMatchObject({ code: 'text_too_long' });
    await expect(engine.handleTurn({ conversationId: 'c8', channel: 'test', input: { kind: 'payload', payload: 'drop_tables' } })).rejects.toMatchObject({ code: 'unknown_payload' });
    await expect(say(engine, 'c8<script>', 'hei')).rejects.toMatchObject({ code: 'invalid_conversation_id' });
    expect((await engine.getConversation('c8'))?.version).toBe(before?.version);
    const ok = await say(engine, 'c8', 'tilaus');
    expect(keys(ok)).toEqual(['order.ask_number']);
  });

  it('checks a token inside the turn, and with existingOnly refuses an unknown conversation without creating it', async () => {
    const { engine, stores } = build();
    const first = await engine.handleTurn({ conversationId: 'tok', channel: 'web', input: { kind: 'start' }, accessToken: null });
    const token = first.accessToken as string;
    await expect(say(engine, 'tok', 'hei', { accessToken: 'wrong', existingOnly: true })).rejects.toThrow('access token');
    await expect(say(engine, 'ghost', 'hei', { accessToken: token, existingOnly: true })).rejects.toMatchObject({ name: 'ConversationNotFoundError', code: 'conversation_not_found' });
    expect(await stores.conversations.get('ghost')).toBeUndefined();
    expect((await say(engine, 'tok', 'hei', { accessToken: token, existingOnly: true })).conversationId).toBe('tok');
  });

  it('handles a repeated client message id once', async () => {
    const { engine } = build();
    const first = await say(engine, 'c9', 'tilaus', { clientMessageId: 'm1' });
    const again = await say(engine, 'c9', 'tilaus', { clientMessageId: 'm1' });
    expect(again.duplicate).toBe(true);
    expect(texts(again)).toEqual(texts(first));
    expect((await engine.getConversation('c9'))?.transcript.filter((e) => e.from === 'customer')).toHaveLength(1);
  });

  it('answers two simultaneous messages of one conversation in order, never interleaved', async () => {
    const { engine } = build();
    await engine.handleTurn({ conversationId: 'c10', channel: 'test', input: { kind: 'start' } });
    const [a, b] = await Promise.all([say(engine, 'c10', 'tilaus'), say(engine, 'c10', '12345')]);
    expect(keys(a)).toEqual(['order.ask_number']);
    expect(texts(b)[0]).toBe('Tilaus 12345: toimitettu (fi)');
    const transcript = (await engine.getConversation('c10'))?.transcript ?? [];
    expect(transcript.map((e) => e.from)).toEqual(['bot', 'customer', 'bot', 'customer', 'bot', 'bot']);
  });

  it('records a CSAT answer and ends the conversation; a new message starts afresh', async () => {
    const { engine, stores } = build();
    await engine.handleTurn({ conversationId: 'c11', channel: 'test', input: { kind: 'start' } });
    const rate = await say(engine, 'c11', 'hei hei');
    expect(keys(rate)).toEqual(['main.rate']);
    expect((rate.replies[0] as ReplyMessage).quickReplies?.map((q) => q.payload)).toEqual(['1', '2', '3', '4', '5']);
    const done = await engine.handleTurn({ conversationId: 'c11', channel: 'test', input: { kind: 'payload', payload: '5' } });
    expect(done.ended).toBe(true);
    expect(keys(done)).toEqual(['survey.thanks', 'main.bye']);
    const events = await stores.events.query({ types: ['survey_answer', 'resolved'] });
    expect(events.map((e) => [e.type, e.data.value ?? null])).toEqual([['survey_answer', 5], ['resolved', null]]);
    const fresh = await say(engine, 'c11', 'tilaus');
    expect(keys(fresh)).toEqual(['order.ask_number']);
  });

  it('lets an agent take over, keeps the bot quiet, and hands back to the bot', async () => {
    const { engine, stores } = build();
    const published: string[] = [];
    await stores.bus.subscribe((message) => published.push(message.event));
    await say(engine, 'c12', 'ihminen');
    await engine.agentJoin('c12', 'Liisa');
    const quiet = await say(engine, 'c12', 'onko siellä ketään');
    expect(quiet.replies).toEqual([]);
    await engine.agentSay('c12', 'Liisa', 'Hei, Liisa täällä');
    const back = await engine.releaseToBot('c12', 'Liisa');
    expect(keys(back)).toEqual(['system.agent_left', 'main.rate']);
    const transcript = (await engine.getConversation('c12'))?.transcript ?? [];
    expect(transcript.find((e) => e.from === 'agent')).toMatchObject({ text: 'Hei, Liisa täällä', agentName: 'Liisa' });
    expect(published).toEqual(expect.arrayContaining(['agent_joined', 'customer_message', 'agent_message', 'agent_left']));
  });
});

describe('the transcript in a turn', () => {
  /** Memory stores that count whole-record reads and writes (what grows with the conversation). */
  const counting = () => {
    const stores = createMemoryStores({ clock: { now: () => OPEN_TIME } });
    const calls = { get: 0, save: 0 };
    const conversations = { ...stores.conversations };
    conversations.get = async (id) => { calls.get += 1; return stores.conversations.get(id); };
    conversations.save = async (record, options) => { calls.save += 1; return stores.conversations.save(record, options); };
    return { stores: { ...stores, conversations }, calls };
  };

  it('is neither read nor rewritten by a turn, and reads back whole', async () => {
    const { stores, calls } = counting();
    const { engine } = build(stores);
    let last: TurnResult | undefined;
    for (let turn = 0; turn < 30; turn += 1) last = await say(engine, 'long', turn % 2 === 0 ? 'missä tilaukseni' : 'se on 12345');
    expect(calls).toEqual({ get: 0, save: 0 });
    const record = await engine.getConversation('long');
    expect(record?.transcript).toHaveLength(last?.transcriptLength as number);
    expect(record?.transcript.filter((entry) => entry.from === 'customer')).toHaveLength(30);
    expect(record?.transcript[record.transcript.length - 1]).toMatchObject({ from: 'bot' });
  });

  it('gives a ticket made late in a conversation every earlier line', async () => {
    const { engine, stores } = build();
    await say(engine, 'late', 'tilaus');
    await say(engine, 'late', 'se on 12345');
    const result = await say(engine, 'late', 'haluan ihmisen');
    const ticket = await stores.tickets.get(result.ticketId as string);
    const record = await engine.getConversation('late');
    expect(ticket?.transcript.map((entry) => entry.text)).toEqual(record?.transcript.slice(0, ticket?.transcript.length).map((entry) => entry.text));
    expect(ticket?.transcript[0]).toMatchObject({ from: 'customer', text: 'tilaus' });
    expect(ticket?.transcript.some((entry) => entry.text === 'haluan ihmisen')).toBe(true);
  });

  it('counts from the stored transcript once for a conversation saved before the counters', async () => {
    const { engine, stores } = build();
    await say(engine, 'old', 'tilaus');
    const record = await stores.conversations.get('old');
    delete record!.said;
    delete record!.customerSpoke;
    record!.version += 1;
    await stores.conversations.save(record!);
    const asked = record!.transcript.filter((entry) => entry.key === 'order.ask_number').length;
    await say(engine, 'old', 'hmm');
    const after = await stores.conversations.getState('old');
    expect(after?.customerSpoke).toBe(true);
    // The earlier question counted from the transcript, then this turn's own lines.
    const now = (await stores.conversations.get('old'))!.transcript.filter((entry) => entry.key === 'order.ask_number').length;
    expect(asked).toBeGreaterThanOrEqual(1);
    expect(after?.said?.['order.ask_number']).toBe(now);
  });
});

describe('compiler', () => {
  it('runs the survey of a survey + end state before ending', async () => {
    const { compileFlows } = await import('../../src/flows/compile-flow');
    const { parseFlowSource } = await import('../../src/flows/load-flows');
    const parsed = parseFlowSource('id: main\nstart: rate\nstates:\n  rate:\n    survey: csat\n    ask: main.rate\n    end: resolved\n', 'main.yaml');
    const bot = compileFlows({ flows: [parsed.flow!.flow] });
    const { createActor } = await import('xstate');
    const actor = createActor(bot.machine, { input: { conversationId: 'x', env: { channel: 'test', locale: 'fi', now: 0, open: true, sentiment: 0 } } });
    actor.start();
    expect(actor.getSnapshot().value).toEqual({ main: 'rate' });
    actor.send({ type: 'USER', intent: 'oos', confidence: 1, entities: [{ type: 'number', value: '4', text: '4', start: 0, end: 1 }], text: '4', sentiment: 0 });
    expect(actor.getSnapshot().value).toEqual({ main: 'rate_end' });
    expect(actor.getSnapshot().hasTag('ended')).toBe(true);
  });
});

describe('idle expiry', () => {
  it('forgets an idle conversation but keeps the customer history', async () => {
    const { engine, stores, clock } = build();
    const customer = { phone: '040 123 4567' };
    await say(engine, 'idle-1', 'tilaus', { customer });
    expect((await engine.getConversation('idle-1'))?.state).toBe('order.ask_number');
    clock.advance(31 * 60 * 1000);
    expect(await engine.getConversation('idle-1')).toBeUndefined();
    const fresh = await say(engine, 'idle-1', 'ihminen', { customer });
    expect(fresh.state).toBe('main.menu_again');
    const known = await stores.customers.find({ phone: '+358401234567' });
    expect(known?.contacts.map((contact) => contact.conversationId)).toContain('idle-1');
    expect(known?.contacts.some((contact) => contact.ticketId === fresh.ticketId)).toBe(true);
  });
});

describe('slots from the topic utterance', () => {
  it('fills the order number given with the question and skips asking it', async () => {
    const { engine } = build();
    const result = await say(engine, 'pre-1', 'missä on tilaukseni 12345');
    expect(texts(result)[0]).toBe('Tilaus 12345: toimitettu (fi)');
  });
});

describe('live dialog actors', () => {
  it('give the same conversation whether kept running or restored from the store', async () => {
    const run = async (liveActors: number) => {
      let now = OPEN_TIME;
      const clock = { now: () => (now += 1000) };
      const stores = createMemoryStores({ clock });
      const handoff = createHandoffService({ tickets: stores.tickets, customers: stores.customers, outbox: stores.outbox, clock, hours: {}, routing: {}, sinks: {} });
      const engine = createEngine({ bot: loaded.bot, catalog: loaded.catalog, nlu: loaded.nlu, stores, handoff, clock, logger: silentLogger, options: { locales: ['fi', 'en'], liveActors },
        integrations: { 'orders.lookup': async (): Promise<IntegrationOutput> => ({ outcome: 'found', result: { status: 'toimitettu' } }) } });
      const said: string[][] = [];
      for (const text of ['tilaus', 'en tiedä', '12345', 'milloin auki', 'ihminen']) said.push(texts(await say(engine, 'live', text)));
      // An agent action changes the record behind the kept actor: the next turn must not use the stale one.
      await engine.agentJoin('live', 'Liisa');
      await engine.releaseToBot('live', 'Liisa');
      said.push(texts(await say(engine, 'live', '5')));
      return said;
    };
    expect(await run(256)).toEqual(await run(0));
  });

  it('asks which of two close intents was meant, with the labels as words of the sentence and as buttons', async () => {
    let now = OPEN_TIME;
    const clock = { now: () => now, advance: (ms: number) => { now += ms; } };
    const stores = createMemoryStores({ clock });
    const handoff = createHandoffService({ tickets: stores.tickets, customers: stores.customers, outbox: stores.outbox, clock, hours: {}, routing: {}, sinks: {} });
    // Two answers the menu offers, too close to call.
    const nlu = { ...loaded.nlu, understand: (text: string, context: Parameters<typeof loaded.nlu.understand>[1]) => (text === 'aukeeko tilaus'
      ? { intent: 'order_status', confidence: 0.48, ranking: [{ intent: 'order_status', confidence: 0.48 }, { intent: 'faq.opening_hours', confidence: 0.45 }], entities: [], sentiment: 0, ambiguous: true }
      : loaded.nlu.understand(text, context)) };
    const engine = createEngine({ bot: loaded.bot, catalog: loaded.catalog, nlu, stores, handoff, clock, logger: silentLogger, options: { locales: ['fi', 'en'] }, integrations: {} });
    await engine.handleTurn({ conversationId: 'c40', channel: 'test', input: { kind: 'start' } });
    const asked = await say(engine, 'c40', 'aukeeko tilaus');
    const message = asked.replies[0] as ReplyMessage;
    expect(message.key).toBe('system.did_you_mean');
    expect(message.text).toBe('Tarkoititko tilaus (fi) vai aukioloajat (fi)? (fi)');
    expect(message.quickReplies).toEqual([{ label: 'Tilaus (fi)', payload: 'order_status' }, { label: 'Aukioloajat (fi)', payload: 'faq.opening_hours' }]);
  });
});
