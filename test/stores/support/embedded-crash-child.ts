/**
 * Child process of embedded-crash.test.ts: saves conversations (and a ticket each) into the embedded
 * store as fast as it can and prints "saved N" after each is committed, until it is killed.
 */
import { createEmbeddedStores } from '../../../src/stores/embedded/create-embedded-stores';

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error('usage: embedded-crash-child <dataDir>');
  const stores = createEmbeddedStores({ dataDir });
  for (let index = 1; ; index += 1) {
    const now = Date.now();
    const record = {
      id: `crash-${index}`, version: 1, createdAt: now, updatedAt: now, channel: 'web' as const, locale: 'fi' as const,
      status: 'active' as const, snapshot: { value: 'ask' }, state: 'main.ask', slots: {}, transcript: [], processed: [], misunderstood: 0,
    };
    await stores.conversations.save(record);
    await stores.conversations.save({
      ...record, version: 2, state: 'main.done', transcript: [{ at: now, from: 'customer' as const, text: `viesti ${index}` }],
    });
    const ticketId = await stores.tickets.nextId();
    await stores.tickets.create({
      id: ticketId, conversationId: record.id, createdAt: now, channel: 'web', locale: 'fi', reason: 'customer_request',
      priority: 'normal', queue: 'general', dueAt: now, contact: {}, summary: '', slots: {}, transcript: [], history: [], status: 'open',
    });
    process.stdout.write(`saved ${index} ${ticketId}\n`);
    // Let the event loop run so the line above actually leaves the process.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
