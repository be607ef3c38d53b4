/**
 * Store cost of one engine turn (lock + get + save of a realistic record), per adapter family.
 * Run: npx tsx test/stores/bench-stores.ts [turns]   (Redis too when REDIS_URL is set)
 * Not a jest test: numbers depend on the machine and are never asserted.
 */
import type { ConversationRecord } from '../../src/core/conversation';
import type { Stores } from '../../src/core/ports';
import { benchEveryStore } from './bench-every-store';

const TURNS = Number(process.argv[2] ?? 20_000);
const CONVERSATIONS = 200;

function record(id: string): ConversationRecord {
  const now = Date.now();
  return {
    id, version: 1, createdAt: now, updatedAt: now, channel: 'web', locale: 'fi', status: 'active',
    snapshot: { status: 'active', value: { order_status: 'ask_number' }, context: { retries: 0, slots: { orderNumber: null } }, historyValue: {}, children: {} },
    state: 'order_status.ask_number', slots: { orderNumber: '123456', email: null },
    transcript: Array.from({ length: 20 }, (_, index) => ({
      at: now + index, from: index % 2 ? 'bot' as const : 'customer' as const,
      text: index % 2 ? 'Kerrotko tilausnumerosi? Löydät sen tilausvahvistuksesta.' : 'Missä minun tilaukseni on, tilasin viime viikolla',
      intent: 'order_status', confidence: 0.92, state: 'order_status.ask_number',
    })),
    processed: [], misunderstood: 0,
  };
}

async function bench(name: string, stores: Stores): Promise<void> {
  for (let index = 0; index < CONVERSATIONS; index += 1) await stores.conversations.save(record(`bench-${index}`), { ttlMs: 3_600_000 });
  const durations: number[] = [];
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  for (let turn = 0; turn < TURNS; turn += 1) {
    const id = `bench-${turn % CONVERSATIONS}`;
    const begin = process.hrtime.bigint();
    await stores.lock.withLock(id, async () => {
      const current = (await stores.conversations.get(id)) as ConversationRecord;
      await stores.conversations.save({ ...current, version: current.version + 1, updatedAt: Date.now() }, { ttlMs: 3_600_000 });
    });
    durations.push(Number(process.hrtime.bigint() - begin) / 1e6);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  // Per CPU-second of this process: what one dedicated core would do, whatever else the machine runs.
  const perCpuSecond = Math.round(TURNS / ((cpu.user + cpu.system) / 1e6));
  durations.sort((a, b) => a - b);
  const p = (q: number): string => durations[Math.floor(q * (durations.length - 1))].toFixed(3);
  const size = JSON.stringify(record('x')).length;
  console.log(`${name.padEnd(18)} ${Math.round(TURNS / seconds).toString().padStart(7)} turns/s wall, ${perCpuSecond.toString().padStart(7)} per CPU-s  p50 ${p(0.5)} ms  p99 ${p(0.99)} ms  (record ${size} B)`);
  await stores.close();
}

async function main(): Promise<void> {
  await benchEveryStore(bench, { embedded: (['NORMAL', 'FULL'] as const).map((synchronous) => ({ name: `embedded ${synchronous}`, options: { synchronous } })) });
}

void main();
