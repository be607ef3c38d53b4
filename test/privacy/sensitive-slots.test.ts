import * as path from 'node:path';
import { createEngine } from '../../src/core/engine';
import { silentLogger } from '../../src/core/logger';
import type { ReplyMessage } from '../../src/core/reply';
import { compileFlows } from '../../src/flows/compile-flow';
import { loadFlows } from '../../src/flows/load-flows';
import { createHandoffService } from '../../src/handoff/create-handoff-service';
import { createMemoryStores } from '../../src/stores/memory/create-memory-stores';
import { loadMiniBot, MINI_BOT_DIR } from '../support/mini-bot';

/** The mini bot with its order number slot marked `sensitive: true`, as a designer would in the flow file. */
function sensitiveOrderBot() {
  const loaded = loadMiniBot();
  const flows = loadFlows(path.join(MINI_BOT_DIR, 'flows')).flows.map((file) => file.flow);
  for (const flow of flows) for (const state of Object.values(flow.states)) if (state.slot?.name === 'order_number') state.slot.sensitive = true;
  return { ...loaded, bot: compileFlows({ flows }) };
}

describe('a slot marked sensitive', () => {
  it('is raw for the dialog and its integration, masked everywhere it is kept, and gone from the record at the end', async () => {
    const loaded = sensitiveOrderBot();
    expect(loaded.bot.sensitiveSlots).toEqual(['order_number']);
    let now = Date.parse('2026-12-02T10:00:00+02:00');
    const clock = { now: () => (now += 1000) };
    const stores = createMemoryStores({ clock });
    const handoff = createHandoffService({ tickets: stores.tickets, customers: stores.customers, outbox: stores.outbox, clock, hours: {}, routing: {}, sinks: { webhook: { url: 'https://helpdesk.example.com/hook', secret: 'webhook-secret-0123456789' } } });
    const lookedUp: unknown[] = [];
    const engine = createEngine({
      bot: loaded.bot, catalog: loaded.catalog, nlu: loaded.nlu, stores, handoff, clock, logger: silentLogger, options: { locales: ['fi', 'en'] },
      integrations: { 'orders.lookup': async (inputs) => { lookedUp.push(inputs.order_number); return { outcome: 'found', result: { status: 'toimitettu' } }; } },
    });
    const say = (text: string, clientMessageId?: string) => engine.handleTurn({ conversationId: 's1', channel: 'test', input: { kind: 'text', text }, clientMessageId });
    await engine.handleTurn({ conversationId: 's1', channel: 'test', input: { kind: 'start' } });
    await say('tilaus');
    const told = await say('se on 12345', 'm-1');
    // The turn that needs it has it: the integration got the value and the customer hears it back.
    expect(lookedUp).toEqual(['12345']);
    expect((told.replies[0] as ReplyMessage).text).toBe('Tilaus 12345: toimitettu (fi)');

    const during = await engine.getConversation('s1');
    expect(during?.slots.order_number).toBe('[sensitive]');
    expect(JSON.stringify(during?.transcript)).not.toContain('12345');
    expect(during?.transcript.map((line) => line.text)).toEqual(expect.arrayContaining(['se on [sensitive]', 'Tilaus [sensitive]: toimitettu (fi)']));
    expect(JSON.stringify(during?.processed)).not.toContain('12345');
    // A retry of the same message gets the stored (masked) copy, never the raw value from the store.
    expect(JSON.stringify((await say('se on 12345', 'm-1')).replies)).not.toContain('12345');

    const handedOff = await say('ihminen');
    const ticket = await stores.tickets.get(handedOff.ticketId!);
    expect(ticket?.slots.order_number).toBe('[sensitive]');
    expect(JSON.stringify(ticket)).not.toContain('12345');
    const [item] = await stores.outbox.claim(now + 1, 10, 60_000);
    expect(JSON.stringify(item.payload)).not.toContain('12345');

    // Until the end the dialog may still need it; after the end the record holds it nowhere.
    expect(JSON.stringify((await engine.getConversation('s1'))?.snapshot)).toContain('12345');
    await say('hei hei');
    const ended = await say('5');
    expect(ended.ended).toBe(true);
    expect(JSON.stringify(await engine.getConversation('s1'))).not.toContain('12345');
    const analytics = JSON.stringify(await stores.events.query({ since: 0, limit: 1000 }));
    expect(analytics).not.toContain('12345');
  });
});
