import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ConversationRecord, ConversationState } from '../../src/core/conversation';
import { VersionConflictError } from '../../src/core/ports';
import { createEmbeddedStores } from '../../src/stores/embedded/create-embedded-stores';
import { EMBEDDED_MIGRATIONS } from '../../src/stores/embedded/embedded-migrations';
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

  it('commits the state saves of one tick together, failing only the stale one, and settles each after the commit', async () => {
    const dataDir = tempDir();
    const clock = createManualClock();
    const stores = createEmbeddedStores({ dataDir, clock });
    const state = (id: string, version: number, storedLines: number): ConversationState => ({
      id, version, createdAt: clock.now(), updatedAt: clock.now(), channel: 'web', locale: 'fi', status: 'active', snapshot: null,
      state: 'main.start', slots: {}, processed: [], misunderstood: 0, storedLines, added: [{ at: clock.now(), from: 'customer', text: `${id} ${version}` }],
    });
    await stores.conversations.saveState(state('g-stale', 1, 0));
    const settled: string[] = [];
    const saves = ['g-1', 'g-2', 'g-3'].map((id) => stores.conversations.saveState(state(id, 1, 0)).then(() => {
      // Settled only once committed: another connection to the file already sees it.
      const reader = new Database(join(dataDir, 'aspa.db'), { readonly: true });
      settled.push(`${id}:${reader.prepare('SELECT count(*) FROM conversations WHERE id = ?').pluck().get(id)}`);
      reader.close();
    }));
    const stale = stores.conversations.saveState(state('g-stale', 1, 0));
    await Promise.all(saves);
    await expect(stale).rejects.toBeInstanceOf(VersionConflictError);
    expect(settled).toEqual(['g-1:1', 'g-2:1', 'g-3:1']);
    expect((await stores.conversations.get('g-2'))?.transcript).toEqual(state('g-2', 1, 0).added);
    // A save still waiting for its group when the stores close is written, not dropped.
    const last = stores.conversations.saveState({ ...state('g-1', 2, 1), added: [] });
    await stores.close();
    await last;
    const reopened = createEmbeddedStores({ dataDir, clock });
    expect((await reopened.conversations.getState('g-1'))?.version).toBe(2);
    await reopened.close();
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
      status: 'active' as const, snapshot: null, state: 'main.start', slots: {}, transcript: [{ at: 1, from: 'customer' as const, text: 'hei' }],
      processed: [], misunderstood: 0,
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
    expect(db.prepare('SELECT DISTINCT conversation_id FROM conversation_transcript ORDER BY 1').pluck().all()).toEqual(['forever', 'kept']);
    db.close();
  });

  it('purges expired agent sessions, login counters and ticket keys from the file (bounded storage)', async () => {
    const clock = createManualClock();
    const dataDir = tempDir();
    const stores = createEmbeddedStores({ dataDir, clock });
    for (let index = 0; index < 50; index += 1) {
      await stores.agentSessions.create({ id: `s${index}`, name: 'Liisa', roles: ['agent'], createdAt: clock.now(), expiresAt: clock.now() + 1000 });
      await stores.attempts.add(`login:ip:${index}`, 1, 1000);
      await stores.tickets.reserveId(`conv-${index}:1`, 1000);
    }
    await stores.agentSessions.create({ id: 'live', name: 'Pekka', roles: ['agent'], createdAt: clock.now(), expiresAt: clock.now() + 60_000 });
    await stores.attempts.add('login:ip:live', 1, 60_000);
    await stores.tickets.reserveId('conv-live:1', 60_000);
    await stores.close();

    clock.advance(1000);
    await createEmbeddedStores({ dataDir, clock }).close();
    const db = new Database(join(dataDir, 'aspa.db'), { readonly: true });
    expect(db.prepare('SELECT id FROM agent_sessions').pluck().all()).toEqual(['live']);
    expect(db.prepare('SELECT key FROM attempt_counters').pluck().all()).toEqual(['login:ip:live']);
    expect(db.prepare('SELECT key FROM ticket_keys').pluck().all()).toEqual(['conv-live:1']);
    db.close();
  });

  it('migrates a database of the schema before transcript rows, keeping every conversation as it was', async () => {
    const clock = createManualClock();
    const dataDir = tempDir();
    // Schema version 2 (before transcript rows) with rows written the way that version's save wrote them.
    const old = new Database(join(dataDir, 'aspa.db'));
    old.exec(EMBEDDED_MIGRATIONS[0]);
    old.exec(EMBEDDED_MIGRATIONS[1]);
    old.pragma('user_version = 2');
    const base = {
      createdAt: clock.now(), updatedAt: clock.now(), channel: 'web' as const, locale: 'fi' as const, status: 'active' as const,
      snapshot: { status: 'active', value: { main: 'ask' }, context: { n: 1.25, list: [1, 'a', null], nested: { ä: 'ö' } } },
      state: 'main.ask', slots: { orderNumber: '12345', paid: true, none: null }, processed: [], misunderstood: 0,
    };
    const long: ConversationRecord = {
      ...base, id: 'long', version: 7,
      transcript: Array.from({ length: 300 }, (_, index) => ({
        at: clock.now() + index, from: index % 2 ? 'bot' as const : 'customer' as const, text: `rivi ${index} 😀 "x" \\ ${'ä'.repeat(index % 7)}`,
        ...(index % 2 ? { key: 'main.ask', state: 'main.ask' } : { intent: 'order_status', confidence: 0.9123 }),
      })),
    };
    const empty: ConversationRecord = { ...base, id: 'empty', version: 1, transcript: [] };
    const expiring: ConversationRecord = { ...base, id: 'expiring', version: 2, transcript: [{ at: 1, from: 'customer', text: 'hei' }] };
    const insert = old.prepare('INSERT INTO conversations (id, version, updated_at, expires_at, data) VALUES (?, ?, ?, ?, ?)');
    insert.run(long.id, long.version, long.updatedAt, null, JSON.stringify(long));
    insert.run(empty.id, empty.version, empty.updatedAt, null, JSON.stringify(empty));
    insert.run(expiring.id, expiring.version, expiring.updatedAt, clock.now() + 1000, JSON.stringify(expiring));
    old.close();

    const stores = createEmbeddedStores({ dataDir, clock });
    expect(await stores.conversations.get('long')).toEqual(long);
    expect(await stores.conversations.get('empty')).toEqual(empty);
    expect(await stores.conversations.get('expiring')).toEqual(expiring);
    const next = { ...long, version: 8, transcript: [...long.transcript, { at: 2, from: 'bot' as const, text: 'uusi' }] };
    await stores.conversations.save(next);
    expect(await stores.conversations.get('long')).toEqual(next);
    clock.advance(1000);
    expect(await stores.conversations.get('expiring')).toBeUndefined();
    await stores.conversations.delete('empty');
    await stores.close();

    const db = new Database(join(dataDir, 'aspa.db'), { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(EMBEDDED_MIGRATIONS.length);
    const rows = db.prepare('SELECT id, transcript_length AS length, data FROM conversations ORDER BY id').all() as Array<{ id: string; length: number; data: string }>;
    expect(rows.map((row) => [row.id, row.length, 'transcript' in JSON.parse(row.data)])).toEqual([['expiring', 1, false], ['long', 301, false]]);
    expect(db.prepare("SELECT count(*) FROM conversation_transcript WHERE conversation_id = 'long'").pluck().get()).toBe(301);
    db.close();
  });

  it('never trusts lines held in memory once another process wrote the conversation', async () => {
    const clock = createManualClock();
    const dataDir = tempDir();
    const a = createEmbeddedStores({ dataDir, clock });
    const b = createEmbeddedStores({ dataDir, clock });
    const line = (text: string) => ({ at: clock.now(), from: 'customer' as const, text });
    const base: ConversationRecord = {
      id: 'shared', version: 1, createdAt: clock.now(), updatedAt: clock.now(), channel: 'web', locale: 'fi', status: 'active',
      snapshot: null, state: 'main.start', slots: {}, transcript: [line('a1')], processed: [], misunderstood: 0,
    };
    await a.conversations.save(base);
    await a.conversations.save({ ...base, version: 2, transcript: [line('a1'), line('a2')] });
    // B replaces the conversation with another one that reaches the same version.
    await b.conversations.delete('shared');
    await b.conversations.save({ ...base, transcript: [line('b1')] });
    await b.conversations.save({ ...base, version: 2, transcript: [line('b1'), line('b2'), line('b3')] });
    const seen = (await a.conversations.get('shared')) as ConversationRecord;
    expect(seen.transcript.map((entry) => entry.text)).toEqual(['b1', 'b2', 'b3']);
    // A saves on top of B's version with A's lines in memory: the stored lines are what counts.
    await a.conversations.save({ ...base, version: 3, transcript: [line('b1'), line('b2'), line('b3'), line('a4')] });
    expect((await b.conversations.get('shared'))?.transcript.map((entry) => entry.text)).toEqual(['b1', 'b2', 'b3', 'a4']);
    await b.conversations.save({ ...base, version: 4, transcript: [line('x')] });
    expect((await a.conversations.get('shared'))?.transcript.map((entry) => entry.text)).toEqual(['x']);
    await a.conversations.delete('shared');
    await a.close();
    await b.close();
    const db = new Database(join(dataDir, 'aspa.db'), { readonly: true });
    expect(db.prepare('SELECT count(*) FROM conversation_transcript').pluck().get()).toBe(0);
    db.close();
  });
});
