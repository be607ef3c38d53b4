import * as path from 'node:path';
import { loadConfig } from '../../src/config/load-config';
import { createEngine } from '../../src/core/engine';
import { silentLogger } from '../../src/core/logger';
import { createHandoffService } from '../../src/handoff/create-handoff-service';
import { createIntegrations, loadBotFor } from '../../src/server/composition';
import { createMemoryStores } from '../../src/stores/memory/create-memory-stores';

// The demo bot with the real NLU: a billing dispute whose description carries a card number and an identity code.
// The free-text slot, the saved dialog state, the ticket and the webhook job hold them masked only.
const root = path.resolve(__dirname, '..', '..');
const config = loadConfig({ ASPA_FLOWS_DIR: path.join(root, 'flows'), ASPA_LOCALES_DIR: path.join(root, 'locales'), ASPA_DATA_DIR: path.join(root, 'data') }, root);
const loaded = loadBotFor(config);

it('a billing dispute with a card number and an identity code in the description keeps neither in clear', async () => {
  let now = Date.parse('2026-12-02T10:00:00+02:00');
  const clock = { now: () => (now += 1000) };
  const stores = createMemoryStores({ clock });
  const handoff = createHandoffService({ tickets: stores.tickets, customers: stores.customers, outbox: stores.outbox, clock, hours: {}, routing: {}, sinks: { webhook: { url: 'https://helpdesk.example.com/hook', secret: 'webhook-secret-0123456789' } } });
  const engine = createEngine({ bot: loaded.bot, catalog: loaded.catalog, nlu: loaded.nlu, stores, handoff, clock, logger: silentLogger, integrations: createIntegrations(config) });
  const say = (text: string) => engine.handleTurn({ conversationId: 'bd', channel: 'web', input: { kind: 'text', text } });
  await engine.handleTurn({ conversationId: 'bd', channel: 'web', input: { kind: 'start' } });
  let result = await say('laskussani 5512009 on virhe, kortilta 4111 1111 1111 1111 veloitettiin kahdesti sama maksu, hetuni on 131052-308T');
  for (const answer of ['kortilta 4111 1111 1111 1111 veloitettiin kahdesti sama maksu, hetu 131052-308T', 'kyllä']) {
    if (result.ticketId) break;
    result = await say(answer);
  }
  expect(result.ticketId).toBeDefined();
  const stored = JSON.stringify({
    record: await stores.conversations.get('bd'), ticket: await stores.tickets.get(result.ticketId!), outbox: await stores.outbox.claim(now + 1, 10, 60_000),
  });
  for (const raw of ['4111 1111 1111 1111', '4111111111111111', '131052-308T']) expect(stored).not.toContain(raw);
  expect(stored).toContain('[card]');
});
