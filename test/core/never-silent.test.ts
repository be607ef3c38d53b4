import { createEngine } from '../../src/core/engine';
import type { Logger } from '../../src/core/logger';
import type { ReplyMessage } from '../../src/core/reply';
import { compileFlows } from '../../src/flows/compile-flow';
import { parseFlowSource } from '../../src/flows/load-flows';
import { createHandoffService } from '../../src/handoff/create-handoff-service';
import { createMemoryStores } from '../../src/stores/memory/create-memory-stores';
import { loadMiniBot } from '../support/mini-bot';

/** A flow with a path that says nothing (an order question straight into an `end`), and a rating that ends it. */
const SILENT_FLOW = `id: main
start: menu
states:
  menu:
    ask: main.menu
    on_intent:
      goodbye: rate
      order_status: done
  done:
    end: resolved
  rate:
    survey: csat
    ask: main.rate
    end: resolved
`;

function build() {
  const loaded = loadMiniBot();
  const parsed = parseFlowSource(SILENT_FLOW, 'main.yaml');
  const bot = compileFlows({ flows: [parsed.flow!.flow] });
  let now = Date.parse('2026-12-02T10:00:00+02:00');
  const clock = { now: () => (now += 1000) };
  const stores = createMemoryStores({ clock });
  const warnings: { event: string; fields?: Record<string, unknown> }[] = [];
  const ignore = () => undefined;
  const logger: Logger = { debug: ignore, info: ignore, error: ignore, warn: (event, fields) => warnings.push({ event, fields }) };
  const handoff = createHandoffService({ tickets: stores.tickets, customers: stores.customers, outbox: stores.outbox, clock, hours: {}, routing: {}, sinks: {} });
  const engine = createEngine({ bot, catalog: loaded.catalog, nlu: loaded.nlu, stores, handoff, clock, logger, integrations: {}, options: { locales: ['fi', 'en'] } });
  return { engine, warnings };
}

const messages = (replies: { kind: string }[]) => replies.filter((reply): reply is ReplyMessage => reply.kind === 'message');

describe('the engine never answers a customer message with nothing', () => {
  it('thanks for a rating that ends the conversation: the survey says it, so nothing is silent', async () => {
    const { engine, warnings } = build();
    await engine.handleTurn({ conversationId: 's1', channel: 'test', input: { kind: 'start' } });
    expect(messages((await engine.handleTurn({ conversationId: 's1', channel: 'test', input: { kind: 'text', text: 'bye' } })).replies).map((m) => m.key)).toEqual(['main.rate']);
    const rated = await engine.handleTurn({ conversationId: 's1', channel: 'test', input: { kind: 'text', text: '4' } });
    expect(rated.ended).toBe(true);
    expect(messages(rated.replies).map((m) => m.key)).toEqual(['survey.thanks']);
    // The message comes before the end of the conversation, as the channels render it.
    expect(rated.replies.map((reply) => reply.kind)).toEqual(['message', 'end']);
    expect(warnings).toEqual([]);
  });

  it('acknowledges a message whose path ends the conversation without a word, and warns the designer', async () => {
    const { engine, warnings } = build();
    await engine.handleTurn({ conversationId: 's2', channel: 'test', input: { kind: 'start' } });
    const ended = await engine.handleTurn({ conversationId: 's2', channel: 'test', input: { kind: 'text', text: 'missä tilaus' } });
    expect(ended.ended).toBe(true);
    expect(messages(ended.replies).map((m) => m.key)).toEqual(['system.acknowledged']);
    expect(warnings).toEqual([expect.objectContaining({ event: 'engine.turn.silent', fields: expect.objectContaining({ state: expect.stringContaining('done'), fallback: 'system.acknowledged' }) })]);
  });
});
