/**
 * Store cost of one turn as a conversation grows: each turn is get + two transcript lines (customer,
 * bot) + save, as the engine does. Prints the median get+save time at the turns asked for.
 * Run: npx tsx test/stores/bench-transcript.ts [turns=400] [conversations=20]   (Redis too when REDIS_URL is set)
 * Uses only the ConversationStore port, so the same file runs against older code for a paired comparison.
 * Not a jest test: numbers depend on the machine and are never asserted.
 */
import type { ConversationRecord } from '../../src/core/conversation';
import type { Stores } from '../../src/core/ports';
import { benchEveryStore } from './bench-every-store';

const TURNS = Number(process.argv[2] ?? 400);
const CONVERSATIONS = Number(process.argv[3] ?? 20);
const REPORT = [2, 200, 400].filter((turn) => turn <= TURNS);
/** Turns either side of a reported turn that count towards its median (more samples, same size). */
const WINDOW = 2;
const TTL = { ttlMs: 3_600_000 };

function record(id: string): ConversationRecord {
  const now = Date.now();
  return {
    id, version: 1, createdAt: now, updatedAt: now, channel: 'web', locale: 'fi', status: 'active',
    snapshot: { status: 'active', value: { order_status: 'ask_number' }, context: { retries: 0, slots: { orderNumber: null } }, historyValue: {}, children: {} },
    state: 'order_status.ask_number', slots: { orderNumber: '123456', email: null },
    transcript: [], processed: [], misunderstood: 0,
  };
}

function addTurn(current: ConversationRecord, turn: number): void {
  const at = Date.now();
  current.transcript.push(
    { at, from: 'customer', text: `Missä minun tilaukseni on, tilasin viime viikolla (viesti ${turn})`, channel: 'web', locale: 'fi', intent: 'order_status', confidence: 0.92 },
    { at, from: 'bot', text: 'Kerrotko tilausnumerosi? Löydät sen tilausvahvistuksesta, joka tuli sähköpostiisi.', key: 'order_status.ask_number', channel: 'web', locale: 'fi', state: 'order_status.ask_number' },
  );
}

/** Grows `ids` by `turns` turns each, one turn of every conversation after the other; per turn the get+save times. */
async function grow(stores: Stores, ids: string[], turns: number): Promise<Map<number, number[]>> {
  for (const id of ids) await stores.conversations.save(record(id), TTL);
  const byTurn = new Map<number, number[]>();
  for (let turn = 1; turn <= turns; turn += 1) {
    const samples: number[] = [];
    for (const id of ids) {
      const begin = process.hrtime.bigint();
      const current = (await stores.conversations.get(id)) as ConversationRecord;
      addTurn(current, turn);
      await stores.conversations.save({ ...current, version: current.version + 1, updatedAt: Date.now() }, TTL);
      samples.push(Number(process.hrtime.bigint() - begin) / 1e6);
    }
    byTurn.set(turn, samples);
  }
  return byTurn;
}

async function bench(name: string, stores: Stores): Promise<void> {
  // Warm-up (JIT, prepared statements, Lua script cache), not measured.
  const warm = Array.from({ length: 5 }, (_, index) => `warm-${process.pid}-${index}`);
  await grow(stores, warm, 50);
  for (const id of warm) await stores.conversations.delete(id);
  const ids = Array.from({ length: CONVERSATIONS }, (_, index) => `grow-${process.pid}-${index}`);
  const cpuBefore = process.cpuUsage();
  const byTurn = await grow(stores, ids, TURNS);
  const cpu = process.cpuUsage(cpuBefore);
  const size = JSON.stringify(await stores.conversations.get(ids[0])).length;
  const cells = REPORT.map((turn) => {
    const samples: number[] = [];
    for (let t = Math.max(1, turn - WINDOW); t <= Math.min(TURNS, turn + WINDOW); t += 1) samples.push(...(byTurn.get(t) ?? []));
    samples.sort((a, b) => a - b);
    return `turn ${String(turn).padStart(3)} ${samples[Math.floor(samples.length / 2)].toFixed(3)} ms`;
  });
  const cpuPerTurn = (cpu.user + cpu.system) / 1000 / (TURNS * CONVERSATIONS);
  console.log(`${name.padEnd(14)} ${cells.join('  ')}  CPU ${cpuPerTurn.toFixed(3)} ms/turn  (record ${(size / 1024).toFixed(0)} KB at turn ${TURNS})`);
  for (const id of ids) await stores.conversations.delete(id);
  await stores.close();
}

async function main(): Promise<void> {
  await benchEveryStore(bench, { only: process.env.BENCH_ONLY });
}

void main();
