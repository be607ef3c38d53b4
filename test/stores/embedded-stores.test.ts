import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createEmbeddedStores } from '../../src/stores/embedded/create-embedded-stores';
import { createManualClock, describeStoresContract } from '../contracts/stores.contract';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aspa-embedded-'));
  dirs.push(dir);
  return dir;
}

describeStoresContract('embedded', (clock) => createEmbeddedStores({ dataDir: tempDir(), clock }), { ttlFollowsClock: true, fifoLock: true });

describe('embedded stores', () => {
  it('keeps everything across close and reopen, and keeps counting ticket ids', async () => {
    const dataDir = join(tempDir(), 'nested', 'data');
    const clock = createManualClock();
    const first = createEmbeddedStores({ dataDir, clock });
    const id = await first.tickets.nextId();
    await first.customers.identify({ phone: '040 123 4567' });
    await first.outbox.enqueue({ id: 'o1', sink: 'webhook', idempotencyKey: 'k1', payload: { a: 1 }, dueAt: clock.now(), createdAt: clock.now() });
    await first.close();
    await first.close();

    const second = createEmbeddedStores({ dataDir, clock });
    expect(await second.tickets.nextId()).not.toBe(id);
    expect(await second.customers.find({ phone: '+358401234567' })).toBeDefined();
    expect((await second.outbox.pending()).map((item) => item.id)).toEqual(['o1']);
    await second.close();
  });

  it('says clearly when the data folder cannot be used', () => {
    expect(() => createEmbeddedStores({ dataDir: '' })).toThrow(/dataDir/);
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, 'not a folder');
    expect(() => createEmbeddedStores({ dataDir: join(file, 'data') })).toThrow(/cannot open the embedded store .*ASPA_DATA_DIR/);
  });

  it('purges expired conversations from the file', async () => {
    const clock = createManualClock();
    const dataDir = tempDir();
    const stores = createEmbeddedStores({ dataDir, clock });
    const record = {
      id: 'gone', version: 1, createdAt: clock.now(), updatedAt: clock.now(), channel: 'web' as const, locale: 'fi' as const,
      status: 'active' as const, snapshot: null, state: 'main.start', slots: {}, transcript: [], processed: [], misunderstood: 0,
    };
    await stores.conversations.save(record, { ttlMs: 10 });
    await stores.conversations.save({ ...record, id: 'forever' });
    clock.advance(10);
    expect(await stores.conversations.get('gone')).toBeUndefined();
    clock.advance(50_000);
    await stores.conversations.save({ ...record, id: 'kept', updatedAt: clock.now() }, { ttlMs: 60_000 });
    await stores.close();

    // Reopening purges (as the periodic timer does) rows expired for longer than the longest TTL in use.
    clock.advance(10_000);
    await createEmbeddedStores({ dataDir, clock }).close();
    const db = new Database(join(dataDir, 'aspa.db'), { readonly: true });
    expect(db.prepare('SELECT id FROM conversations ORDER BY id').pluck().all()).toEqual(['forever', 'kept']);
    db.close();
  });
});
