import type { ConversationRecord, ConversationState } from '../../src/core/conversation';
import type { AnalyticsEvent } from '../../src/core/events';
import { VersionConflictError, type Clock, type Stores } from '../../src/core/ports';
import type { OutboundMessage } from '../../src/core/services';
import type { Ticket } from '../../src/core/ticket';

/** A clock the test moves by hand. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
}

export function createManualClock(start = 1_764_300_000_000): ManualClock {
  let now = start;
  return { now: () => now, advance: (ms) => { now += ms; } };
}

export interface StoresContractOptions {
  /** Conversation TTL follows the injected clock (memory, embedded). Redis expires by its own clock. */
  ttlFollowsClock: boolean;
  /** Waiters on one conversation get the lock in arrival order (in-process queues). */
  fifoLock: boolean;
  /**
   * A second `Stores` on the same backend, i.e. another server instance. Defaults to the same object,
   * for families whose lock and bus are in-process only.
   */
  makePeer?: (clock: ManualClock) => Promise<Stores>;
}

export type MakeStores = (clock: ManualClock) => Promise<Stores> | Stores;

function conversation(id: string, version: number, clock: Clock, extra: Partial<ConversationRecord> = {}): ConversationRecord {
  return {
    id, version, createdAt: clock.now(), updatedAt: clock.now(), channel: 'web', locale: 'fi', status: 'active',
    snapshot: { status: 'active', value: { main: 'ask_number' }, context: { retries: 1, list: [], nested: { ä: 'ö' } } },
    state: 'main.ask_number', slots: { orderNumber: '12345', paid: true, count: 3, none: null },
    transcript: [{ at: clock.now(), from: 'customer', text: 'Missä tilaukseni on? 😀', intent: 'order_status', confidence: 0.93 }],
    processed: [], misunderstood: 0, ...extra,
  };
}

function ticket(id: string, clock: Clock, extra: Partial<Ticket> = {}): Ticket {
  return {
    id, conversationId: `conv-${id}`, createdAt: clock.now(), channel: 'web', locale: 'fi', reason: 'customer_request',
    priority: 'normal', queue: 'general', dueAt: clock.now() + 3_600_000, contact: { phone: '+358401234567' },
    summary: 'Asiakas haluaa puhua ihmiselle', slots: { orderNumber: '12345' }, transcript: [], history: [],
    status: 'open', ...extra,
  };
}

function event(type: AnalyticsEvent['type'], at: number, conversationId = 'c1'): AnalyticsEvent {
  return { type, at, conversationId, channel: 'web', locale: 'fi', data: { intent: 'order_status', confidence: 0.9 } };
}

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}

const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** One behavioural suite that every store family must pass. */
export function describeStoresContract(name: string, makeStores: MakeStores, options: StoresContractOptions): void {
  describe(`${name} stores contract`, () => {
    let clock: ManualClock;
    let stores: Stores;
    let peer: Stores;

    beforeEach(async () => {
      clock = createManualClock();
      stores = await makeStores(clock);
      peer = options.makePeer ? await options.makePeer(clock) : stores;
    });

    afterEach(async () => {
      if (peer !== stores) await peer.close();
      await stores.close();
    });

    describe('conversations', () => {
      it('round-trips a record through save and get', async () => {
        const record = conversation('conv-1', 1, clock);
        await stores.conversations.save(record);
        expect(await stores.conversations.get('conv-1')).toEqual(record);
        expect(await peer.conversations.get('conv-1')).toEqual(record);
        expect(await stores.conversations.get('missing')).toBeUndefined();
      });

      it('saves the next version and rejects a stale one', async () => {
        await stores.conversations.save(conversation('conv-2', 1, clock));
        await stores.conversations.save(conversation('conv-2', 2, clock, { state: 'main.lookup' }));
        await expect(peer.conversations.save(conversation('conv-2', 2, clock))).rejects.toBeInstanceOf(VersionConflictError);
        await expect(stores.conversations.save(conversation('conv-2', 4, clock))).rejects.toMatchObject({ expected: 3, actual: 2 });
        expect((await stores.conversations.get('conv-2'))?.state).toBe('main.lookup');
      });

      it('rejects creating a conversation that exists, and a later version of one that does not', async () => {
        await stores.conversations.save(conversation('conv-3', 1, clock));
        await expect(stores.conversations.save(conversation('conv-3', 1, clock))).rejects.toBeInstanceOf(VersionConflictError);
        await expect(stores.conversations.save(conversation('conv-new', 2, clock))).rejects.toMatchObject({ actual: undefined });
      });

      it('lets exactly one of two concurrent writers of the same version win', async () => {
        await stores.conversations.save(conversation('conv-race', 1, clock));
        const results = await Promise.allSettled([
          stores.conversations.save(conversation('conv-race', 2, clock, { state: 'a.a' })),
          peer.conversations.save(conversation('conv-race', 2, clock, { state: 'b.b' })),
        ]);
        expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      });

      it('deletes', async () => {
        await stores.conversations.save(conversation('conv-4', 1, clock));
        await stores.conversations.delete('conv-4');
        await stores.conversations.delete('conv-4');
        expect(await stores.conversations.get('conv-4')).toBeUndefined();
        expect(await stores.conversations.listRecent(0, 10)).not.toContain('conv-4');
      });

      it('lists recently updated conversations newest first', async () => {
        const start = clock.now();
        for (const [index, id] of ['old', 'mid', 'new'].entries()) {
          await stores.conversations.save(conversation(id, 1, clock, { updatedAt: start + index * 1000 }));
        }
        expect(await stores.conversations.listRecent(start, 10)).toEqual(['new', 'mid', 'old']);
        expect(await stores.conversations.listRecent(start + 500, 10)).toEqual(['new', 'mid']);
        expect(await stores.conversations.listRecent(start, 1)).toEqual(['new']);
        await stores.conversations.save(conversation('old', 2, clock, { updatedAt: start + 5000 }));
        expect(await stores.conversations.listRecent(start, 10)).toEqual(['old', 'new', 'mid']);
      });

      if (options.ttlFollowsClock) {
        it('hides a conversation once its TTL has passed, and lets it start afresh', async () => {
          await stores.conversations.save(conversation('conv-ttl', 1, clock), { ttlMs: 1000 });
          clock.advance(999);
          expect(await stores.conversations.get('conv-ttl')).toBeDefined();
          clock.advance(1);
          expect(await stores.conversations.get('conv-ttl')).toBeUndefined();
          expect(await stores.conversations.listRecent(0, 10)).not.toContain('conv-ttl');
          await stores.conversations.save(conversation('conv-ttl', 1, clock), { ttlMs: 1000 });
          expect((await stores.conversations.get('conv-ttl'))?.version).toBe(1);
        });

        it('renews the TTL on every save', async () => {
          await stores.conversations.save(conversation('conv-renew', 1, clock), { ttlMs: 1000 });
          clock.advance(800);
          await stores.conversations.save(conversation('conv-renew', 2, clock), { ttlMs: 1000 });
          clock.advance(800);
          expect((await stores.conversations.get('conv-renew'))?.version).toBe(2);
        });
      } else {
        it('keeps a conversation with a TTL readable before it expires', async () => {
          await stores.conversations.save(conversation('conv-ttl', 1, clock), { ttlMs: 60_000 });
          expect((await stores.conversations.get('conv-ttl'))?.version).toBe(1);
        });
      }

      describe('transcript', () => {
        const line = (turn: number, from: 'customer' | 'bot'): ConversationRecord['transcript'][number] => from === 'customer'
          ? { at: 1_764_300_000_000 + turn, from, text: `Missä tilaukseni ${turn} on? 😀 "lainaus" \\ ä`, channel: 'web', locale: 'fi', intent: 'order_status', confidence: 0.93 }
          : { at: 1_764_300_000_000 + turn, from, text: 'Kerrotko tilausnumerosi?', key: 'order_status.ask_number', channel: 'web', locale: 'fi', state: 'order_status.ask_number' };

        /** Saves `turns` turns of two lines each, reading the record back before each like the engine. */
        const grow = async (id: string, turns: number, ttlMs?: number): Promise<ConversationRecord> => {
          let record = conversation(id, 1, clock, { transcript: [] });
          await stores.conversations.save(record, { ttlMs });
          for (let turn = 1; turn <= turns; turn += 1) {
            record = (await stores.conversations.get(id)) as ConversationRecord;
            record.transcript.push(line(turn, 'customer'), line(turn, 'bot'));
            record.version += 1;
            record.slots = { ...record.slots, turn };
            await stores.conversations.save(record, { ttlMs });
          }
          return record;
        };

        it('reads back a 400-turn conversation saved turn by turn, also from another instance', async () => {
          const last = await grow('conv-long', 400);
          expect(last.transcript).toHaveLength(800);
          expect(await stores.conversations.get('conv-long')).toEqual(last);
          expect(await peer.conversations.get('conv-long')).toEqual(last);
        });

        it('does not share transcript lines between the caller and the store', async () => {
          const saved = await grow('conv-iso', 2);
          const expected = structuredClone(saved);
          saved.transcript[0].text = 'changed after save';
          saved.transcript.push(line(9, 'bot'));
          const read = (await stores.conversations.get('conv-iso')) as ConversationRecord;
          expect(read).toEqual(expected);
          read.transcript[1].text = 'changed after get';
          read.transcript.pop();
          expect(await stores.conversations.get('conv-iso')).toEqual(expected);
        });

        it('changes nothing on a stale save after appends, transcript included', async () => {
          const saved = await grow('conv-stale', 3);
          const stale = (await peer.conversations.get('conv-stale')) as ConversationRecord;
          const current = (await stores.conversations.get('conv-stale')) as ConversationRecord;
          current.transcript.push(line(4, 'customer'));
          current.version += 1;
          await stores.conversations.save(current);
          stale.transcript.push(line(4, 'bot'), line(5, 'customer'));
          stale.transcript[0] = line(99, 'bot');
          stale.version += 1;
          stale.state = 'stale.write';
          await expect(peer.conversations.save(stale)).rejects.toBeInstanceOf(VersionConflictError);
          await expect(stores.conversations.save(stale)).rejects.toBeInstanceOf(VersionConflictError);
          expect(await stores.conversations.get('conv-stale')).toEqual(current);
          expect(await peer.conversations.get('conv-stale')).toEqual(current);
          expect(current.transcript).toHaveLength(saved.transcript.length + 1);
        });

        it('reads back as saved when older lines were rewritten, removed or replaced', async () => {
          await grow('conv-rewrite', 5);
          const edit = async (change: (record: ConversationRecord) => void, via = stores): Promise<ConversationRecord> => {
            const record = (await via.conversations.get('conv-rewrite')) as ConversationRecord;
            change(record);
            record.version += 1;
            await via.conversations.save(record);
            expect(await stores.conversations.get('conv-rewrite')).toEqual(record);
            expect(await peer.conversations.get('conv-rewrite')).toEqual(record);
            return record;
          };
          // In place, as a redaction would; a line replaced by another object; a field removed.
          await edit((record) => { record.transcript[1].text = '[redacted]'; record.transcript.push(line(6, 'customer')); });
          await edit((record) => { record.transcript[3] = { ...record.transcript[3], text: 'uusi' }; });
          await edit((record) => { delete record.transcript[0].intent; });
          await edit((record) => { record.transcript.splice(2, 3); }, peer);
          await edit((record) => { record.transcript = record.transcript.slice(0, 2); record.transcript.push(line(7, 'bot')); });
          await edit((record) => { record.transcript = []; });
          await edit((record) => { record.transcript.push(line(8, 'customer')); }, peer);
        });

        /** Like `grow`, the way a turn does it: the state without the lines, the turn's lines appended. */
        const growByState = async (id: string, turns: number, ttlMs?: number): Promise<ConversationRecord> => {
          const { transcript: _none, ...fields } = conversation(id, 1, clock, { transcript: [] });
          await stores.conversations.saveState({ ...fields, storedLines: 0, added: [line(0, 'customer')] }, { ttlMs });
          for (let turn = 1; turn <= turns; turn += 1) {
            const state = (await stores.conversations.getState(id)) as ConversationState;
            expect(state.storedLines).toBe(2 * turn - 1);
            expect(state.added).toEqual([]);
            expect('transcript' in state).toBe(false);
            state.added.push(line(turn, 'customer'), line(turn, 'bot'));
            state.version += 1;
            state.slots = { ...state.slots, turn };
            await stores.conversations.saveState(state, { ttlMs });
          }
          return (await stores.conversations.get(id)) as ConversationRecord;
        };

        it('appends a turn\'s lines through saveState and reads the whole transcript back with get, also from another instance', async () => {
          const last = await growByState('conv-state', 200);
          expect(last.transcript).toHaveLength(401);
          expect(last.transcript[400]).toEqual(line(200, 'bot'));
          expect(last.slots).toEqual({ ...conversation('x', 1, clock).slots, turn: 200 });
          expect(last.version).toBe(201);
          expect(await peer.conversations.get('conv-state')).toEqual(last);
          const { transcript, ...fields } = last;
          expect(await peer.conversations.getState('conv-state')).toEqual({ ...fields, storedLines: transcript.length, added: [] });
        });

        it('mixes whole-record saves and state saves on one conversation', async () => {
          await grow('conv-mixed', 3);
          const state = (await stores.conversations.getState('conv-mixed')) as ConversationState;
          expect(state.storedLines).toBe(6);
          state.added.push(line(4, 'customer'));
          state.version += 1;
          await stores.conversations.saveState(state);
          const record = (await peer.conversations.get('conv-mixed')) as ConversationRecord;
          expect(record.transcript).toHaveLength(7);
          record.transcript[0] = { ...record.transcript[0], text: '[redacted]' };
          record.transcript.splice(5, 1);
          record.version += 1;
          await peer.conversations.save(record);
          const again = (await stores.conversations.getState('conv-mixed')) as ConversationState;
          expect(again.storedLines).toBe(6);
          again.added.push(line(5, 'bot'));
          again.version += 1;
          await stores.conversations.saveState(again);
          expect(await stores.conversations.get('conv-mixed')).toEqual({ ...record, version: again.version, transcript: [...record.transcript, line(5, 'bot')] });
          expect(await peer.conversations.get('conv-mixed')).toEqual(await stores.conversations.get('conv-mixed'));
        });

        it('changes nothing on a stale state save, nor on one whose line count is not the stored one', async () => {
          await growByState('conv-state-stale', 2);
          const stale = (await peer.conversations.getState('conv-state-stale')) as ConversationState;
          const current = (await stores.conversations.getState('conv-state-stale')) as ConversationState;
          current.added.push(line(3, 'customer'));
          current.version += 1;
          await stores.conversations.saveState(current);
          const saved = await stores.conversations.get('conv-state-stale');
          stale.added.push(line(3, 'bot'));
          stale.version += 1;
          stale.state = 'stale.write';
          await expect(peer.conversations.saveState(stale)).rejects.toBeInstanceOf(VersionConflictError);
          const miscounted = (await stores.conversations.getState('conv-state-stale')) as ConversationState;
          miscounted.version += 1;
          miscounted.storedLines -= 1;
          miscounted.added.push(line(4, 'bot'));
          await expect(stores.conversations.saveState(miscounted)).rejects.toBeInstanceOf(VersionConflictError);
          const fresh = { ...(stale as ConversationState), version: 1, storedLines: 0, added: [] };
          await expect(stores.conversations.saveState(fresh)).rejects.toBeInstanceOf(VersionConflictError);
          expect(await stores.conversations.get('conv-state-stale')).toEqual(saved);
          expect(await peer.conversations.get('conv-state-stale')).toEqual(saved);
          await expect(stores.conversations.saveState({ ...fresh, id: 'conv-state-none', version: 2 })).rejects.toBeInstanceOf(VersionConflictError);
          expect(await stores.conversations.getState('conv-state-none')).toBeUndefined();
        });

        it('rejects a malformed state with a clear error', async () => {
          const { transcript: _none, ...fields } = conversation('conv-state-bad', 1, clock);
          await expect(stores.conversations.saveState({ ...fields, storedLines: -1, added: [] })).rejects.toThrow(/storedLines/);
          await expect(stores.conversations.saveState({ ...fields, storedLines: 2, added: [] })).rejects.toThrow(/storedLines/);
          await expect(stores.conversations.saveState({ ...fields, storedLines: 0, added: undefined as unknown as [] })).rejects.toThrow(/added/);
          expect(await stores.conversations.get('conv-state-bad')).toBeUndefined();
        });

        it('removes the transcript with the conversation, and a new one starts empty', async () => {
          await grow('conv-del', 3);
          await stores.conversations.delete('conv-del');
          expect(await stores.conversations.get('conv-del')).toBeUndefined();
          expect(await peer.conversations.get('conv-del')).toBeUndefined();
          const fresh = conversation('conv-del', 1, clock, { transcript: [] });
          await peer.conversations.save(fresh);
          expect(await stores.conversations.get('conv-del')).toEqual(fresh);
        });

        if (options.ttlFollowsClock) {
          it('hides the transcript once the TTL has passed, and a new conversation starts without it', async () => {
            await grow('conv-ttl-t', 3, 1000);
            clock.advance(1000);
            expect(await stores.conversations.get('conv-ttl-t')).toBeUndefined();
            const fresh = conversation('conv-ttl-t', 1, clock, { transcript: [line(1, 'customer')] });
            await stores.conversations.save(fresh, { ttlMs: 1000 });
            expect(await stores.conversations.get('conv-ttl-t')).toEqual(fresh);
          });

          it('starts a conversation saved through saveState afresh once its TTL has passed', async () => {
            await growByState('conv-ttl-s', 3, 1000);
            clock.advance(1000);
            expect(await stores.conversations.getState('conv-ttl-s')).toBeUndefined();
            const { transcript: _none, ...fields } = conversation('conv-ttl-s', 1, clock, { transcript: [] });
            await stores.conversations.saveState({ ...fields, storedLines: 0, added: [line(1, 'bot')] }, { ttlMs: 1000 });
            expect((await stores.conversations.get('conv-ttl-s'))?.transcript).toEqual([line(1, 'bot')]);
            expect((await stores.conversations.getState('conv-ttl-s'))?.storedLines).toBe(1);
          });
        }
      });

      it('rejects bad input with a clear error and stores nothing', async () => {
        await expect(stores.conversations.save({ id: '' } as unknown as ConversationRecord)).rejects.toThrow(/conversation id/);
        await expect(stores.conversations.save(conversation('conv-bad', 0, clock))).rejects.toThrow(/version/);
        await expect(stores.conversations.save(conversation('conv-bad', 1, clock), { ttlMs: -5 })).rejects.toThrow(/ttlMs/);
        await expect(stores.conversations.get('')).rejects.toThrow(/conversation id/);
        expect(await stores.conversations.get('conv-bad')).toBeUndefined();
      });
    });

    describe('lock', () => {
      it('serialises concurrent read-modify-write work on one conversation', async () => {
        let counter = 0;
        const order: number[] = [];
        await Promise.all(Array.from({ length: 20 }, (_, index) =>
          (index % 2 === 0 ? stores : peer).lock.withLock('locked', async () => {
            const seen = counter;
            order.push(index);
            await nextTick();
            counter = seen + 1;
          })));
        expect(counter).toBe(20);
        if (options.fifoLock) expect(order).toEqual(Array.from({ length: 20 }, (_, index) => index));
      });

      it('returns the work result and passes errors through, releasing the lock', async () => {
        await expect(stores.lock.withLock('l-err', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
        expect(await stores.lock.withLock('l-err', async () => 42)).toBe(42);
      });

      it('does not block other conversations', async () => {
        const holding = deferred();
        const entered = deferred();
        const held = stores.lock.withLock('busy', async () => { entered.resolve(); await holding.promise; return 'a'; });
        await entered.promise;
        expect(await peer.lock.withLock('free', async () => 'b')).toBe('b');
        holding.resolve();
        expect(await held).toBe('a');
      });

      it('expires the lease of a holder that died', async () => {
        const entered = deferred();
        // The work never finishes: the holder is as good as a crashed instance.
        void peer.lock.withLock('dead', async () => { entered.resolve(); await new Promise(() => undefined); }, { ttlMs: 100 });
        await entered.promise;
        expect(await stores.lock.withLock('dead', async () => 'taken over')).toBe('taken over');
      });
    });

    describe('tickets', () => {
      it('hands out distinct sequential readable ids under concurrency', async () => {
        const ids = await Promise.all(Array.from({ length: 50 }, (_, index) => (index % 2 ? peer : stores).tickets.nextId()));
        expect(new Set(ids).size).toBe(50);
        for (const id of ids) expect(id).toMatch(/^ASPA-\d{6,}$/);
        const numbers = ids.map((id) => Number(id.slice(5))).sort((a, b) => a - b);
        expect(numbers[numbers.length - 1] - numbers[0]).toBe(49);
      });

      it('creates, gets, updates and lists by status', async () => {
        const first = ticket(await stores.tickets.nextId(), clock);
        clock.advance(1000);
        const second = ticket(await stores.tickets.nextId(), clock, { priority: 'urgent', reason: 'emergency' });
        await stores.tickets.create(first);
        await stores.tickets.create(second);
        expect(await peer.tickets.get(first.id)).toEqual(first);
        await expect(stores.tickets.create(first)).rejects.toThrow(/already exists/);

        await stores.tickets.update({ ...first, status: 'closed', resolution: 'soitettu', closedAt: clock.now() });
        expect((await stores.tickets.get(first.id))?.status).toBe('closed');
        await expect(stores.tickets.update(ticket('ASPA-999999', clock))).rejects.toThrow(/does not exist/);

        expect((await stores.tickets.list()).map((t) => t.id)).toEqual([second.id, first.id]);
        expect((await stores.tickets.list({ status: 'open' })).map((t) => t.id)).toEqual([second.id]);
        expect((await stores.tickets.list({ status: ['closed', 'claimed'] })).map((t) => t.id)).toEqual([first.id]);
        expect(await stores.tickets.list({ limit: 1 })).toHaveLength(1);
        expect(await stores.tickets.get('ASPA-000000')).toBeUndefined();
        await expect(stores.tickets.list({ status: 'lost' as never })).rejects.toThrow(/status/);
      });

      it('reserves one id per key: the same one again, also from another instance at once; a new key gets a new one', async () => {
        const before = await stores.tickets.nextId();
        const ids = await Promise.all(Array.from({ length: 10 }, (_, index) => (index % 2 ? peer : stores).tickets.reserveId('conv-1:3', 60_000)));
        expect(new Set(ids).size).toBe(1);
        expect(Number(ids[0].slice(5))).toBe(Number(before.slice(5)) + 1);
        expect(await peer.tickets.reserveId('conv-1:3', 60_000)).toBe(ids[0]);
        const other = await stores.tickets.reserveId('conv-1:4', 60_000);
        expect(other).not.toBe(ids[0]);
        expect(await stores.tickets.nextId()).not.toBe(other);
        await expect(stores.tickets.reserveId('', 60_000)).rejects.toThrow(/ticket key/);
        await expect(stores.tickets.reserveId('k', 0)).rejects.toThrow(/ttlMs/);
      });

      it('forgets a reservation after its TTL', async () => {
        const first = await stores.tickets.reserveId('conv-ttl:1', options.ttlFollowsClock ? 60_000 : 30);
        if (options.ttlFollowsClock) clock.advance(60_000);
        else await new Promise((resolve) => setTimeout(resolve, 80));
        expect(await peer.tickets.reserveId('conv-ttl:1', 60_000)).not.toBe(first);
      });

      it('compare-and-sets a ticket: of two concurrent claims exactly one applies, and the other sees the winner', async () => {
        const open = ticket(await stores.tickets.nextId(), clock);
        await stores.tickets.create(open);
        const results = await Promise.all([
          stores.tickets.updateIf({ ...open, status: 'claimed', agent: 'Liisa' }, { status: 'open' }),
          peer.tickets.updateIf({ ...open, status: 'claimed', agent: 'Pekka' }, { status: 'open' }),
        ]);
        expect(results.map((result) => result?.applied).sort()).toEqual([false, true]);
        const winner = results.find((result) => result?.applied)?.current.agent;
        expect(['Liisa', 'Pekka']).toContain(winner);
        for (const result of results) expect(result?.current).toMatchObject({ status: 'claimed', agent: winner });
        expect(await peer.tickets.get(open.id)).toMatchObject({ status: 'claimed', agent: winner });
        const loser = winner === 'Liisa' ? 'Pekka' : 'Liisa';
        expect(await stores.tickets.updateIf({ ...open, status: 'closed', agent: loser }, { status: 'claimed', agent: loser }))
          .toMatchObject({ applied: false, current: { agent: winner } });
        const closed = await stores.tickets.updateIf({ ...open, status: 'closed', agent: winner, resolution: 'ok' }, { status: 'claimed', agent: winner });
        expect(closed).toMatchObject({ applied: true, current: { status: 'closed', resolution: 'ok' } });
        expect((await stores.tickets.list({ status: 'closed' })).map((t) => t.id)).toEqual([open.id]);
        expect(await stores.tickets.list({ status: 'claimed' })).toEqual([]);
        expect(await stores.tickets.updateIf(ticket('ASPA-999998', clock), { status: 'open' })).toBeUndefined();
        await expect(stores.tickets.updateIf(open, { status: 'lost' as never })).rejects.toThrow(/expected ticket status/);
      });
    });

    describe('agent sessions', () => {
      const session = (id: string, ttlMs = 60_000) => ({ id, name: 'Liisa', roles: ['agent', 'manager'], createdAt: clock.now(), expiresAt: clock.now() + ttlMs });

      it('keeps a session for every instance until it is revoked, which every instance sees at once', async () => {
        const record = session('hash-1');
        await stores.agentSessions.create(record);
        expect(await stores.agentSessions.get('hash-1')).toEqual(record);
        expect(await peer.agentSessions.get('hash-1')).toEqual(record);
        expect(await stores.agentSessions.get('hash-other')).toBeUndefined();
        await peer.agentSessions.revoke('hash-1');
        expect(await stores.agentSessions.get('hash-1')).toBeUndefined();
        await stores.agentSessions.revoke('hash-1');
        await expect(stores.agentSessions.create({ ...record, name: '' })).rejects.toThrow(/name/);
        await expect(stores.agentSessions.create({ ...record, roles: 'agent' as never })).rejects.toThrow(/roles/);
      });

      it('answers no session once it has expired', async () => {
        await stores.agentSessions.create(session('hash-2', options.ttlFollowsClock ? 60_000 : 40));
        expect(await peer.agentSessions.get('hash-2')).toBeDefined();
        if (options.ttlFollowsClock) clock.advance(60_000);
        else await new Promise((resolve) => setTimeout(resolve, 90));
        expect(await stores.agentSessions.get('hash-2')).toBeUndefined();
        expect(await peer.agentSessions.get('hash-2')).toBeUndefined();
      });
    });

    describe('attempt counters', () => {
      it('counts in a fixed window shared by every instance, exactly under concurrency', async () => {
        expect(await stores.attempts.add('login:a', 1, 60_000)).toEqual({ count: 1, resetInMs: 60_000 });
        const counts = await Promise.all(Array.from({ length: 20 }, (_, index) => (index % 2 ? peer : stores).attempts.add('login:a', 1, 60_000)));
        expect(counts.map((c) => c.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, index) => index + 2));
        if (options.ttlFollowsClock) {
          clock.advance(10_000);
          // The window does not move with further attempts.
          expect(await peer.attempts.add('login:a', 1, 60_000)).toEqual({ count: 22, resetInMs: 50_000 });
        }
        expect((await stores.attempts.add('login:b', 1, 60_000)).count).toBe(1);
      });

      it('takes back without going below zero or opening a window, and resets one key only', async () => {
        expect(await stores.attempts.add('login:none', -1, 60_000)).toEqual({ count: 0, resetInMs: 0 });
        expect((await stores.attempts.add('login:none', 1, 60_000)).count).toBe(1);
        await stores.attempts.add('login:c', 2, 60_000);
        expect((await peer.attempts.add('login:c', -1, 60_000)).count).toBe(1);
        expect((await peer.attempts.add('login:c', -5, 60_000)).count).toBe(0);
        await stores.attempts.add('login:d', 3, 60_000);
        await peer.attempts.reset('login:d');
        expect((await stores.attempts.add('login:d', 1, 60_000)).count).toBe(1);
        expect((await stores.attempts.add('login:none', 1, 60_000)).count).toBe(2);
        await expect(stores.attempts.add('login:e', 1.5, 60_000)).rejects.toThrow(/integer/);
        await expect(stores.attempts.add('login:e', 1, 0)).rejects.toThrow(/window/);
      });

      it('starts from zero when the window has passed', async () => {
        await stores.attempts.add('login:f', 5, options.ttlFollowsClock ? 60_000 : 40);
        if (options.ttlFollowsClock) clock.advance(60_000);
        else await new Promise((resolve) => setTimeout(resolve, 90));
        expect((await peer.attempts.add('login:f', 1, 60_000)).count).toBe(1);
      });
    });

    describe('customers', () => {
      it('identifies by any hint, normalising phone numbers and e-mail', async () => {
        const customer = await stores.customers.identify({ phone: '040 123 4567', name: 'Matti' });
        expect(customer.phones).toEqual(['+358401234567']);
        expect(customer.name).toBe('Matti');
        expect((await peer.customers.find({ phone: '+358 40 1234567' }))?.id).toBe(customer.id);

        const linked = await peer.customers.identify({ phone: '+358401234567', email: ' Matti.M@Example.FI ' });
        expect(linked.id).toBe(customer.id);
        expect(linked.emails).toEqual(['matti.m@example.fi']);
        expect((await stores.customers.find({ email: 'matti.m@example.fi' }))?.id).toBe(customer.id);

        const viaEmail = await stores.customers.identify({ email: 'matti.m@example.fi', webUserId: 'w-1' });
        expect(viaEmail.id).toBe(customer.id);
        expect((await stores.customers.find({ webUserId: 'w-1' }))?.id).toBe(customer.id);
        expect(await stores.customers.get(customer.id)).toMatchObject({ phones: ['+358401234567'], emails: ['matti.m@example.fi'], webUserIds: ['w-1'] });

        const other = await stores.customers.identify({ phone: '050 765 4321' });
        expect(other.id).not.toBe(customer.id);
        expect(await stores.customers.find({ webUserId: 'nobody' })).toBeUndefined();
        expect(await stores.customers.find({})).toBeUndefined();
      });

      it('creates one customer when two instances identify the same new hint at once', async () => {
        const [a, b] = await Promise.all([
          stores.customers.identify({ phone: '+358 44 555 0000' }),
          peer.customers.identify({ phone: '044 555 0000' }),
        ]);
        expect(a.id).toBe(b.id);
      });

      it('records contacts, replacing the one of the same conversation', async () => {
        const customer = await stores.customers.identify({ webUserId: 'w-2' });
        await stores.customers.recordContact(customer.id, { conversationId: 'c-1', channel: 'web', at: clock.now(), intent: 'order_status' });
        await stores.customers.recordContact(customer.id, { conversationId: 'c-2', channel: 'voice', at: clock.now() + 10, intent: 'billing' });
        await peer.customers.recordContact(customer.id, { conversationId: 'c-1', channel: 'web', at: clock.now(), intent: 'order_status', outcome: 'resolved' });
        const contacts = (await stores.customers.get(customer.id))?.contacts ?? [];
        expect(contacts).toHaveLength(2);
        expect(contacts.find((contact) => contact.conversationId === 'c-1')?.outcome).toBe('resolved');
        await expect(stores.customers.recordContact('no-such-customer', { conversationId: 'c', channel: 'web', at: 1 })).rejects.toThrow(/does not exist/);
      });

      it('rejects identify without any usable hint', async () => {
        await expect(stores.customers.identify({})).rejects.toThrow(/phone number, e-mail address or web user id/);
        await expect(stores.customers.identify({ phone: 'not a number' })).rejects.toThrow(/phone/);
      });
    });

    describe('events', () => {
      it('appends and queries by type and time, oldest first', async () => {
        const start = clock.now();
        await stores.events.append(event('conversation_started', start));
        await stores.events.append(event('intent', start + 1000));
        await peer.events.append(event('fallback', start + 2000));
        await stores.events.append(event('intent', start + 3000, 'c2'));

        expect((await stores.events.query()).map((e) => e.type)).toEqual(['conversation_started', 'intent', 'fallback', 'intent']);
        expect((await stores.events.query({ types: ['intent'] })).map((e) => e.conversationId)).toEqual(['c1', 'c2']);
        expect((await stores.events.query({ since: start + 1000, until: start + 2000 })).map((e) => e.type)).toEqual(['intent', 'fallback']);
        expect(await stores.events.query({ types: ['intent', 'fallback'], since: start + 1500, limit: 1 })).toEqual([event('fallback', start + 2000)]);
        await expect(stores.events.append({ type: '', at: 1 } as unknown as AnalyticsEvent)).rejects.toThrow(/type/);
      });

      it('appends the events of one turn together, in order, and all or none', async () => {
        const start = clock.now();
        await stores.events.appendMany([event('turn', start, 'm1'), event('intent', start, 'm1'), event('handoff', start + 1, 'm1')]);
        expect((await stores.events.query({ since: start })).filter((e) => e.conversationId === 'm1').map((e) => e.type)).toEqual(['turn', 'intent', 'handoff']);
        await expect(stores.events.appendMany([event('turn', start + 2, 'm2'), { type: '', at: 1 } as unknown as AnalyticsEvent])).rejects.toThrow(/type/);
        expect((await stores.events.query({ since: start })).some((e) => e.conversationId === 'm2')).toBe(false);
        await stores.events.appendMany([]);
      });
    });

    describe('outbox', () => {
      const item = (id: string, dueAt: number) => ({ id, sink: 'webhook', idempotencyKey: `key-${id}`, payload: { ticketId: id, list: [1, 2] }, dueAt, createdAt: dueAt });

      it('claims due items once per lease, reschedules, and forgets delivered ones', async () => {
        const now = clock.now();
        await stores.outbox.enqueue(item('a', now));
        await stores.outbox.enqueue(item('b', now + 10_000));
        await stores.outbox.enqueue(item('a', now + 99));
        // The backlog counts each item once, claimed (leased) or not, until it is delivered.
        expect(await stores.outbox.waiting()).toBe(2);

        const claimed = await stores.outbox.claim(now, 10, 30_000);
        expect(claimed.map((i) => i.id)).toEqual(['a']);
        expect(claimed[0]).toMatchObject({ attempts: 1, payload: { ticketId: 'a', list: [1, 2] }, idempotencyKey: 'key-a' });
        expect(await peer.outbox.claim(now + 1000, 10, 30_000)).toEqual([]);

        await stores.outbox.reschedule('a', now + 5000, 'HTTP 503');
        const pending = await stores.outbox.pending();
        expect(pending.map((i) => i.id)).toEqual(['a', 'b']);
        expect(pending[0]).toMatchObject({ lastError: 'HTTP 503', dueAt: now + 5000, attempts: 1 });

        const again = await peer.outbox.claim(now + 10_000, 10, 30_000);
        expect(again.map((i) => i.id)).toEqual(['a', 'b']);
        expect(again[0].attempts).toBe(2);

        await stores.outbox.markDelivered('a', now + 11_000);
        await stores.outbox.markDelivered('a', now + 12_000);
        expect((await stores.outbox.pending()).map((i) => i.id)).toEqual(['b']);
        expect(await peer.outbox.waiting()).toBe(1);
        expect(await stores.outbox.claim(now + 100_000, 10, 30_000)).toHaveLength(1);
        await expect(stores.outbox.reschedule('nope', now, 'x')).rejects.toThrow(/does not exist/);
      });

      it('never hands the same item to two concurrent claimers', async () => {
        const now = clock.now();
        for (let index = 0; index < 20; index += 1) await stores.outbox.enqueue(item(`i${index}`, now - index));
        const batches = await Promise.all([stores.outbox.claim(now, 15, 60_000), peer.outbox.claim(now, 15, 60_000)]);
        const ids = batches.flat().map((i) => i.id);
        expect(ids).toHaveLength(20);
        expect(new Set(ids).size).toBe(20);
      });
    });

    describe('bus', () => {
      it('delivers a published message to subscribers (of another instance when there is one)', async () => {
        const message: OutboundMessage = {
          conversationId: 'c1', event: 'agent_message', agentName: 'Liisa', at: clock.now(),
          replies: [{ kind: 'message', text: 'Hei, olen Liisa asiakaspalvelusta.', from: { role: 'agent', name: 'Liisa' } }],
        };
        const first = deferred<OutboundMessage>();
        const second: OutboundMessage[] = [];
        const unsubscribe = await peer.bus.subscribe((received) => first.resolve(received));
        const secondReceived = deferred();
        await peer.bus.subscribe((received) => { second.push(received); if (second.length === 2) secondReceived.resolve(); });
        await stores.bus.publish(message);
        expect(await first.promise).toEqual(message);

        await unsubscribe();
        const firstCalls: OutboundMessage[] = [];
        await peer.bus.subscribe(() => undefined);
        await peer.bus.subscribe((received) => firstCalls.push(received));
        await stores.bus.publish({ ...message, event: 'closed' });
        await secondReceived.promise;
        expect(second.map((m) => m.event)).toEqual(['agent_message', 'closed']);
      });
    });

    describe('bot version pointer', () => {
      it('stores the current version and announces it to subscribers (of another instance when there is one)', async () => {
        const heard = deferred<string>();
        const unsubscribe = await peer.botVersion.subscribe((id) => heard.resolve(id));
        await stores.botVersion.set('a1b2c3d4e5f6');
        expect(await heard.promise).toBe('a1b2c3d4e5f6');
        expect(await peer.botVersion.get()).toBe('a1b2c3d4e5f6');
        await unsubscribe();
      });

      it('refuses an id that is not a version id', async () => {
        await expect(stores.botVersion.set('not a hash!')).rejects.toThrow(/version id/);
        await expect(stores.botVersion.set('')).rejects.toThrow(/version id/);
      });
    });
  });
}
