/**
 * `npm run bench`: the engine's speed and memory, measured — never asserted in unit tests.
 * 1. in-process turns (NLU + dialog + embedded SQLite store), one core: latency p50/p99 and turns/s, and the cost
 *    of turn 2, 100 and 400 of one long conversation (does a turn cost more as the conversation grows?);
 * 2. idle conversation memory;
 * 3. web chat over HTTP, 256 concurrent conversations against a server in another process;
 * 4. server start time with the demo bot.
 * `--engine-only` runs 1 alone and prints it without touching docs/benchmarks.md.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../src/config/load-config';
import { createEngine } from '../src/core/engine';
import { silentLogger } from '../src/core/logger';
import { systemClock } from '../src/core/ports';
import { createHandoffService } from '../src/handoff/create-handoff-service';
import { createIntegrations, loadBotFor } from '../src/server/composition';
import { createEmbeddedStores } from '../src/stores/embedded/create-embedded-stores';
import { createMemoryStores } from '../src/stores/memory/create-memory-stores';
import { createBufferedEventLog } from '../src/stores/shared/buffered-event-log';
import * as http from 'node:http';
import { REPO_ROOT, freePort, machineLine, percentile, writeSection } from './bench-report';

const ROOT = REPO_ROOT;
const SCRIPT = ['missä tilaukseni on', '12345', 'milloin asiakaspalvelu on auki', 'kyllä kiitos', 'miten palautan tuotteen'];

/** The engine as the server builds it, on the embedded store in a fresh folder (analytics batched, conversations committed every turn). */
function embeddedEngine(): { engine: ReturnType<typeof createEngine>; close: () => Promise<void> } {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aspa-bench-'));
  const config = loadConfig({ ASPA_DATA_DIR: dataDir, LOG_LEVEL: 'silent' }, ROOT);
  const loaded = loadBotFor(config);
  const embedded = createEmbeddedStores({ dataDir });
  const events = createBufferedEventLog(embedded.events);
  const stores = { ...embedded, events, close: async () => { await events.close(); await embedded.close(); } };
  const handoff = createHandoffService({ tickets: stores.tickets, customers: stores.customers, outbox: stores.outbox, clock: systemClock, hours: {}, routing: {}, sinks: {} });
  const engine = createEngine({ bot: loaded.bot, catalog: loaded.catalog, nlu: loaded.nlu, stores, handoff, integrations: createIntegrations(config), clock: systemClock, logger: silentLogger });
  return { engine, close: async () => { await stores.close(); fs.rmSync(dataDir, { recursive: true, force: true }); } };
}

/** Two FAQ questions in turn: the dialog stays at "did this help?", so every turn does the same work while the transcript grows (3 lines a turn). */
const LONG_SCRIPT = ['milloin asiakaspalvelu on auki', 'miten palautan tuotteen'];
const PROBES = [2, 100, 400];

/**
 * The cost of turn 2, 100 and 400 (the same line at the same dialog state each time) of one long conversation:
 * the median over several conversations, each probe the mean of the turn and its same-line neighbours (n-2, n+2),
 * so one GC pause does not decide it.
 */
async function longConversation(): Promise<{ probes: Array<{ turn: number; ms: number }>; conversations: number }> {
  const { engine, close } = embeddedEngine();
  const conversations = 24;
  const last = PROBES[PROBES.length - 1] + 2;
  const samples = PROBES.map(() => [] as number[]);
  for (let c = -2; c < conversations; c += 1) { // the first two warm up
    const id = `long-${c + 2}`;
    const costs = new Array<number>(last + 1).fill(0);
    for (let turnNumber = 1; turnNumber <= last; turnNumber += 1) {
      const text = LONG_SCRIPT[(turnNumber - 1) % LONG_SCRIPT.length];
      const started = process.hrtime.bigint();
      await engine.handleTurn({ conversationId: id, channel: 'api', input: { kind: 'text', text } });
      costs[turnNumber] = Number(process.hrtime.bigint() - started) / 1e6;
    }
    if (c < 0) continue;
    PROBES.forEach((probe, index) => {
      const around = [probe - 2, probe, probe + 2].filter((turnNumber) => turnNumber >= 2).map((turnNumber) => costs[turnNumber]);
      samples[index].push(around.reduce((sum, cost) => sum + cost, 0) / around.length);
    });
  }
  await close();
  return { probes: PROBES.map((turn, index) => ({ turn, ms: percentile(samples[index].sort((a, b) => a - b), 50) })), conversations };
}

async function inProcess(): Promise<{ p50: number; p99: number; perSecond: number; turns: number }> {
  const { engine, close } = embeddedEngine();
  const latencies: number[] = [];
  const run = async (conversations: number, record: boolean) => {
    for (let c = 0; c < conversations; c += 1) {
      const id = `bench-${record ? 'm' : 'w'}-${c}`;
      for (const text of SCRIPT) {
        const started = process.hrtime.bigint();
        await engine.handleTurn({ conversationId: id, channel: 'api', input: { kind: 'text', text } });
        if (record) latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
    }
  };
  await run(200, false); // warm-up: JIT, SQLite page cache
  const started = process.hrtime.bigint();
  await run(2000, true);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await close();
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), perSecond: latencies.length / seconds, turns: latencies.length };
}

async function idleMemory(): Promise<{ bytesPerConversation: number; storedBytes: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const config = loadConfig({ LOG_LEVEL: 'silent' }, ROOT);
  const loaded = loadBotFor(config);
  const stores = createMemoryStores();
  const handoff = createHandoffService({ tickets: stores.tickets, customers: stores.customers, outbox: stores.outbox, clock: systemClock, hours: {}, routing: {}, sinks: {} });
  const engine = createEngine({ bot: loaded.bot, catalog: loaded.catalog, nlu: loaded.nlu, stores, handoff, integrations: createIntegrations(config), clock: systemClock, logger: silentLogger });
  await engine.handleTurn({ conversationId: 'warm', channel: 'web', input: { kind: 'start' } });
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const count = 5000;
  for (let index = 0; index < count; index += 1) {
    await engine.handleTurn({ conversationId: `idle-${index}`, channel: 'web', input: { kind: 'start' } });
  }
  gc?.();
  const after = process.memoryUsage().heapUsed;
  const sample = await stores.conversations.get('idle-1');
  await stores.close();
  return { bytesPerConversation: (after - before) / count, storedBytes: Buffer.byteLength(JSON.stringify(sample)) };
}

async function dropKeys(url: string, prefix: string): Promise<void> {
  const { createClient } = await import('redis');
  const client = createClient({ url });
  await client.connect();
  for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) if (keys.length) await client.del(keys);
  await client.quit();
}

async function startServer(dataDir: string, env: Record<string, string> = { REDIS_URL: '', ASPA_STORE: 'embedded' }): Promise<{ port: number; startMs: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const started = Date.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/src/cli.js'), 'serve'], {
    cwd: ROOT, env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ASPA_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => { if (chunk.toString().includes('serving on')) resolve(); });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const startMs = Date.now() - started;
  return { port, startMs, stop: () => new Promise((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); }) };
}

/** One JSON POST over a keep-alive agent (lighter than fetch, so the load generator steals less of the 2 cores). */
function post(agent: http.Agent, port: number, urlPath: string, body: unknown, token?: string): Promise<{ accessToken?: string }> {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const request = http.request({ host: '127.0.0.1', port, path: urlPath, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': data.length, ...(token ? { authorization: `Bearer ${token}` } : {}) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        if (response.statusCode !== 200) reject(new Error(`HTTP ${response.statusCode}: ${Buffer.concat(chunks).toString()}`));
        else resolve(JSON.parse(Buffer.concat(chunks).toString()) as { accessToken?: string });
      });
    });
    request.on('error', reject);
    request.end(data);
  });
}

async function overHttp(port: number): Promise<{ p50: number; p99: number; perSecond: number; turns: number }> {
  const concurrency = 256;
  const rounds = 4;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  const conversation = async (index: number, record: boolean) => {
    for (let round = 0; round < rounds; round += 1) {
      let token: string | undefined;
      for (const text of SCRIPT) {
        const started = process.hrtime.bigint();
        const body = await post(agent, port, `/api/conversations/http-${record ? 'm' : 'w'}-${index}-${round}/messages`, { text }, token);
        if (body.accessToken) token = body.accessToken;
        if (record) latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
    }
  };
  await Promise.all(Array.from({ length: 64 }, (_, index) => conversation(index, false))); // warm-up
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, (_, index) => conversation(index, true)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), perSecond: latencies.length / seconds, turns: latencies.length };
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(ROOT, 'dist/src/cli.js'))) throw new Error('Run `npm run build` first (the HTTP benchmark starts the built server).');
  const engine = await inProcess();
  console.log(`engine turn in process: p50 ${engine.p50.toFixed(3)} ms, p99 ${engine.p99.toFixed(3)} ms, ${Math.round(engine.perSecond)} turns/s on one core (${engine.turns} turns)`);
  const long = await longConversation();
  const growth = long.probes[long.probes.length - 1].ms / long.probes[0].ms;
  const probeText = long.probes.map((probe) => `turn ${probe.turn} ${probe.ms.toFixed(3)} ms`).join(', ');
  console.log(`one long conversation (median of ${long.conversations}): ${probeText}; turn ${long.probes[long.probes.length - 1].turn} / turn ${long.probes[0].turn} = ${growth.toFixed(2)}×`);
  if (process.argv.includes('--engine-only')) return;
  const memory = await idleMemory();
  console.log(`idle conversation: ${(memory.bytesPerConversation / 1024).toFixed(2)} KB of heap each (stored record ${(memory.storedBytes / 1024).toFixed(2)} KB)`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aspa-bench-http-'));
  const cold = await startServer(dataDir);
  await cold.stop();
  const server = await startServer(dataDir);
  console.log(`server start with the demo bot: ${cold.startMs} ms first (trains the NLU), ${server.startMs} ms with the cached model`);
  const http = await overHttp(server.port);
  await server.stop();
  console.log(`web chat over HTTP, 256 concurrent conversations: p50 ${http.p50.toFixed(2)} ms, p99 ${http.p99.toFixed(2)} ms, ${Math.round(http.perSecond)} turns/s (${http.turns} turns)`);
  // On Redis, also with two worker processes sharing the port (what a production deployment runs).
  const redisRows: string[] = [];
  if (process.env.REDIS_URL) {
    for (const workers of [1, 2]) {
      const prefix = `aspa-bench-${process.pid}-${workers}:`;
      const onRedis = await startServer(dataDir, { REDIS_URL: process.env.REDIS_URL, ASPA_STORE: 'redis', REDIS_KEY_PREFIX: prefix, ASPA_WORKERS: String(workers) });
      const result = await overHttp(onRedis.port);
      await onRedis.stop();
      await dropKeys(process.env.REDIS_URL, prefix);
      console.log(`web chat over HTTP on Redis, ${workers} worker(s): p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, ${Math.round(result.perSecond)} turns/s`);
      redisRows.push(`| same, Redis store, ${workers} server process${workers > 1 ? 'es' : ''} (\`ASPA_WORKERS=${workers}\`) | p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, ${Math.round(result.perSecond)} turns/s | p99 < 25 ms; ≥ 2,000 turns/s |`);
    }
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
  writeSection('engine-bench', `## Engine, memory, HTTP, start-up

Command: \`npm run bench\` (${machineLine()}; the Redis rows run when \`REDIS_URL\` is set).

| what | measured | target |
|---|---|---|
| engine turn in process (NLU + dialog + embedded SQLite store), ${engine.turns} turns | p50 ${engine.p50.toFixed(3)} ms, p99 ${engine.p99.toFixed(3)} ms, ${Math.round(engine.perSecond)} turns/s on one core | p99 < 1 ms; ≥ 5,000 turns/s |
| one long conversation (two FAQ questions in turn, 3 transcript lines a turn), median of ${long.conversations} | ${probeText}: turn ${long.probes[long.probes.length - 1].turn} = ${growth.toFixed(2)} × turn ${long.probes[0].turn} | turn 400 ≤ 1.3 × turn 2 |
| idle conversation in memory (memory store, after a greeting) | ${(memory.bytesPerConversation / 1024).toFixed(2)} KB heap; stored record ${(memory.storedBytes / 1024).toFixed(2)} KB | < 4 KB |
| web chat over HTTP (JSON API, keep-alive), 256 concurrent conversations, server in its own process, load generator on the same 2 cores | p50 ${http.p50.toFixed(2)} ms, p99 ${http.p99.toFixed(2)} ms, ${Math.round(http.perSecond)} turns/s | p99 < 25 ms; ≥ 2,000 turns/s |
${redisRows.map((row) => `${row}\n`).join('')}| server start with the demo bot (until it listens) | ${cold.startMs} ms first start (trains the NLU), ${server.startMs} ms with the cached model | < 2 s |

The in-process figure is one Node thread doing the whole turn, one conversation at a time: NLU (intent, entities,
language, sentiment), the XState actor (kept running for recently active conversations, otherwise restored from its
snapshot), message rendering, the turn's transcript lines appended (nothing stored is read or rewritten) and a durable
SQLite commit (turns saved in the same tick of the event loop share one; here each turn has its own); analytics are
written in batches. Over HTTP at 256 concurrent conversations the latency is queueing: the server is saturated, so a
request waits for the ones ahead of it.`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
