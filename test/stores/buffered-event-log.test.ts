import type { AnalyticsEvent } from '../../src/core/events';
import { createBufferedEventLog } from '../../src/stores/shared/buffered-event-log';
import { createMemoryStores } from '../../src/stores/memory/create-memory-stores';

const event = (conversationId: string): AnalyticsEvent => ({ type: 'turn', at: 1, conversationId, channel: 'web', locale: 'fi', data: {} });

describe('buffered event log', () => {
  it('writes in batches, and a query or close sees everything appended', async () => {
    const stores = createMemoryStores();
    const writes: number[] = [];
    const inner = { ...stores.events, appendMany: async (events: AnalyticsEvent[]) => { writes.push(events.length); await stores.events.appendMany(events); } };
    const log = createBufferedEventLog(inner, { flushMs: 60_000, maxBatch: 3 });
    await log.appendMany([event('a'), event('b')]);
    await log.append(event('c')); // reaches maxBatch: written at once
    await log.append(event('d'));
    expect((await log.query()).map((e) => e.conversationId)).toEqual(['a', 'b', 'c', 'd']);
    expect(writes).toEqual([3, 1]);
    await log.append(event('e'));
    await log.close();
    expect((await stores.events.query()).map((e) => e.conversationId)).toEqual(['a', 'b', 'c', 'd', 'e']);
    await stores.close();
  });
});
