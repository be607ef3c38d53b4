/**
 * `npm run bench:http` (and the second half of `npm run bench`): Aspa's HTTP turn path against a plain Bot Framework
 * bot (issue 10), in one invocation on this machine.
 *
 * Every system runs in its own child process; the load generator (this process) plays the same script to each:
 * N workers, each holding one conversation after another (start + a 6-line Finnish customer script) over keep-alive
 * agents. Systems alternate inside every round (the order rotates) so a neighbour on the shared cores hurts all
 * alike; the tables show medians over rounds, the ratios are paired per round.
 *
 * - aspa: `node dist/src/cli.js serve` as `npm start` runs it (LOG_LEVEL=info, logs to a file as a container runtime
 *   would take them) on the embedded SQLite store, and on Redis too when `REDIS_URL` is set (its own key prefix,
 *   deleted afterwards). Web chat API: `POST /api/web/conversations`, then `POST /api/web/conversations/:id/messages`.
 * - peer: bench/peers/botframework-peer.ts (botbuilder 4.23 CloudAdapter + botbuilder-dialogs), `POST /api/messages`
 *   with `deliveryMode: "expectReplies"` (default) or replies to a local connector (`--peer-replies connector`).
 *
 * Options:
 *   --rounds 3 --seconds 6 --concurrency 1,64,256
 *   --against <dir>     compare with the Aspa built in another checkout (a `git worktree` of the previous commit)
 *                       instead of the peer; nothing is written to docs/benchmarks.md then
 *   --workers N         ASPA_WORKERS for Aspa on Redis (the embedded store is one process)
 *   --pin-load <cpus>   pin this load generator to those processors (taskset -a -cp) and the servers to the others,
 *                       or to --pin-servers <cpus>: the load generator then takes no server's core
 *   --rate R            open loop at R turns/s in all (paced per worker; latency counted from the planned send
 *                       time, so a server that falls behind is charged for the wait) instead of the closed loop
 *   --profile <dir>     run Aspa under `node --cpu-prof`, profiles written to <dir> when it stops
 *   --no-write          print only
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { dropRedisKeys, machineLine, percentile, REPO_ROOT, writeSection } from './bench-report';
import { SCRIPT } from './peers/botframework-peer';

interface Target {
  name: string;
  label: string;
  /** Runs one conversation; calls `timed` around every request it sends. */
  conversation(agent: http.Agent, worker: number, serial: number, timed: <T>(request: () => Promise<T>) => Promise<T>): Promise<void>;
  stop(): Promise<void>;
  /** The server's process (its workers are found below it). */
  pid: number;
  logFile?: string;
}

/** CPU seconds (user + system) the process and all its descendants have used so far; NaN off Linux. */
function cpuSecondsOf(pid: number): number {
  const ticks = 100; // USER_HZ: 100 on every Linux this runs on
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const own = (Number(fields[11]) + Number(fields[12])) / ticks;
    const children = fs.readdirSync(`/proc/${pid}/task`).flatMap((task) => fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    return own + children.reduce((sum, child) => sum + cpuSecondsOf(child), 0);
  } catch {
    return NaN;
  }
}

interface Placement {
  /** `taskset -c <cpus>` in front of every server, when pinned. */
  serverCpus?: string;
  profileDir?: string;
}

function post(agent: http.Agent, port: number, urlPath: string, body: unknown, token?: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const request = http.request({
      host: '127.0.0.1', port, path: urlPath, method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': data.length, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (!response.statusCode || response.statusCode >= 300) reject(new Error(`POST ${urlPath}: HTTP ${response.statusCode}: ${text}`));
        else resolve(text ? JSON.parse(text) : {});
      });
    });
    request.on('error', reject);
    request.end(data);
  });
}

/** `node <args>`, under `taskset -c` when the servers are pinned. */
function spawnNode(args: string[], placement: Placement, options: Parameters<typeof spawn>[2]): ChildProcess {
  return placement.serverCpus
    ? spawn('taskset', ['-c', placement.serverCpus, process.execPath, ...args], options)
    : spawn(process.execPath, args, options);
}

async function startAspa(name: string, root: string, store: 'embedded' | 'redis', placement: Placement, workers: number): Promise<Target> {
  const cli = path.join(root, 'dist/src/cli.js');
  if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` in ${root}`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `aspa-http-${name}-`));
  const logFile = path.join(dataDir, 'server.log');
  const out = fs.openSync(logFile, 'a');
  const redisUrl = store === 'redis' ? (process.env.REDIS_URL as string) : '';
  const keyPrefix = `aspa-http-bench:${process.pid}:${name}:`;
  const profile = placement.profileDir ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(placement.profileDir)] : [];
  const child = spawnNode([...profile, cli, 'serve'], placement, {
    cwd: root,
    env: {
      ...process.env, PORT: '0', HOST: '127.0.0.1', ASPA_DATA_DIR: dataDir, LOG_LEVEL: 'info', NODE_ENV: 'production',
      REDIS_URL: redisUrl, ASPA_STORE: store, REDIS_KEY_PREFIX: keyPrefix, ASPA_WORKERS: store === 'redis' ? String(workers) : '1',
    },
    stdio: ['ignore', out, 'inherit'],
  });
  fs.closeSync(out);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /serving on http:\/\/localhost:(\d+)/.exec(fs.readFileSync(logFile, 'utf8'));
      if (match) { clearInterval(timer); resolve(Number(match[1])); }
    }, 100);
    child.once('exit', (code) => { clearInterval(timer); reject(new Error(`${name} exited with ${code}: ${fs.readFileSync(logFile, 'utf8').slice(-2000)}`)); });
  });
  const where = store === 'redis' ? `Redis, ${workers} process${workers > 1 ? 'es' : ''}` : 'embedded SQLite';
  return {
    name, logFile, pid: child.pid as number, label: `${name.startsWith('base') ? 'previous build' : 'aspa'} (web chat API, ${where})`,
    async conversation(agent, _worker, _serial, timed) {
      const started = await timed(() => post(agent, port, '/api/web/conversations', { locale: 'fi' })) as { conversationId: string; token: string };
      let index = 0;
      for (const text of SCRIPT) {
        index += 1;
        await timed(() => post(agent, port, `/api/web/conversations/${started.conversationId}/messages`,
          { type: 'message', text, clientMessageId: `${started.conversationId.slice(0, 20)}-${index}` }, started.token));
      }
    },
    stop: () => stopChild(child, async () => {
      if (store === 'redis') await dropRedisKeys(redisUrl, keyPrefix);
      fs.rmSync(dataDir, { recursive: true, force: true });
    }),
  };
}

function stopChild(child: ChildProcess, after: () => void | Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => Promise.resolve(after()).then(resolve, reject);
    if (child.exitCode !== null) { void done(); return; }
    child.once('exit', () => void done());
    child.kill('SIGTERM');
  });
}

async function startPeer(replies: 'expect' | 'connector', placement: Placement): Promise<Target> {
  const child = spawnNode([path.join(__dirname, 'peers', 'botframework-peer.js')], placement, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, NODE_ENV: 'production' } });
  const { port, connectorPort } = await new Promise<{ port: number; connectorPort: number }>((resolve, reject) => {
    child.once('message', (message) => resolve(message as { port: number; connectorPort: number }));
    child.once('exit', (code) => reject(new Error(`peer exited with ${code}`)));
  });
  const serviceUrl = `http://127.0.0.1:${connectorPort}/`;
  let activityId = 0;
  return {
    name: 'peer',
    pid: child.pid as number,
    label: `Bot Framework bot (${replies === 'expect' ? 'expectReplies' : 'replies to a local connector'})`,
    async conversation(agent, worker, serial, timed) {
      const conversation = { id: `peer-${process.pid}-${worker}-${serial}` };
      const user = { id: `user-${worker}-${serial}`, name: 'Asiakas' };
      const bot = { id: 'bot', name: 'Botti' };
      const base = { channelId: 'emulator', serviceUrl, conversation, from: user, recipient: bot, locale: 'fi-FI', ...(replies === 'expect' ? { deliveryMode: 'expectReplies' } : {}) };
      const check = (answer: unknown) => {
        if (replies === 'expect' && !((answer as { activities?: unknown[] }).activities?.length)) throw new Error(`peer gave no replies: ${JSON.stringify(answer)}`);
      };
      check(await timed(() => post(agent, port, '/api/messages', { ...base, type: 'conversationUpdate', id: `a${activityId += 1}`, membersAdded: [user] })));
      for (const text of SCRIPT) {
        check(await timed(() => post(agent, port, '/api/messages', { ...base, type: 'message', id: `a${activityId += 1}`, text, timestamp: new Date().toISOString() })));
      }
    },
    stop: () => stopChild(child, () => undefined),
  };
}

interface Measured {
  turns: number; perSecond: number; p50: number; p99: number; errors: number;
  /** Server CPU (all its processes) per recorded turn, in ms: steadier than turns/s on shared cores. */
  cpuMsPerTurn: number;
}

/**
 * `concurrency` workers start conversations until `seconds` are up; requests still in flight finish. Closed loop
 * (a request as soon as the previous answer came) unless `rate` (turns/s in all) paces every worker.
 */
async function measure(target: Target, concurrency: number, seconds: number, serialBase: number, rate?: number): Promise<Measured> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  const latencies: number[] = [];
  let errors = 0;
  let recording = false;
  let stopAt = Infinity;
  const gapMs = rate ? (concurrency / rate) * 1000 : 0;
  let serial = serialBase;
  const worker = async (index: number) => {
    // Open loop: each worker's sends are planned `gapMs` apart (staggered between workers); latency counts from the plan.
    let planned = performance.now() + (gapMs * index) / concurrency;
    const timed = async <T>(request: () => Promise<T>): Promise<T> => {
      if (gapMs) {
        const wait = planned - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      const started = gapMs ? planned : performance.now();
      planned += gapMs;
      const result = await request();
      if (recording) latencies.push(performance.now() - started);
      return result;
    };
    while (Date.now() < stopAt) {
      try {
        await target.conversation(agent, index, serial += 1, timed);
      } catch (error) {
        errors += 1;
        if (errors <= 3) console.error(`${target.name}: ${(error as Error).message}`);
      }
    }
  };
  const warmUp = Math.min(2, seconds / 3);
  const all = Array.from({ length: concurrency }, (_, index) => worker(index));
  stopAt = Date.now() + (warmUp + seconds) * 1000;
  await new Promise((resolve) => setTimeout(resolve, warmUp * 1000));
  recording = true;
  const started = process.hrtime.bigint();
  const cpuBefore = cpuSecondsOf(target.pid);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const turns = latencies.length;
  const cpuMsPerTurn = ((cpuSecondsOf(target.pid) - cpuBefore) * 1000) / turns;
  recording = false;
  await Promise.all(all);
  agent.destroy();
  latencies.length = turns;
  latencies.sort((a, b) => a - b);
  return { turns, perSecond: turns / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors, cpuMsPerTurn };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] ? process.argv[index + 1] : fallback;
}

/** The processors not in `cpus` (a taskset list such as `1` or `0-1`), as a taskset list. */
function otherCpus(cpus: string): string {
  const taken = new Set(cpus.split(',').flatMap((part) => {
    const [from, to] = part.split('-').map(Number);
    return Array.from({ length: (to ?? from) - from + 1 }, (_, i) => from + i);
  }));
  const rest = os.cpus().map((_, i) => i).filter((i) => !taken.has(i));
  if (!rest.length) throw new Error(`--pin-load ${cpus} leaves no processor for the servers`);
  return rest.join(',');
}

/** Pins this process (all its threads) with taskset; the servers get `serverCpus`. */
function pinLoadGenerator(loadCpus: string, serverCpus: string): void {
  try {
    execFileSync('taskset', ['-a', '-cp', loadCpus, String(process.pid)], { stdio: 'ignore' });
  } catch (error) {
    throw new Error(`--pin-load needs taskset (util-linux) that may set this process's affinity: ${(error as Error).message}`);
  }
  console.log(`load generator pinned to processor(s) ${loadCpus}, servers to ${serverCpus}`);
}

function formatMs(value: number): string {
  return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
}

async function main(): Promise<void> {
  const rounds = Number(option('rounds', '3'));
  const seconds = Number(option('seconds', '6'));
  const levels = option('concurrency', '1,64,256').split(',').map(Number);
  const against = option('against', '');
  const peerReplies = option('peer-replies', 'expect') as 'expect' | 'connector';
  const workers = Number(option('workers', '1'));
  const rate = option('rate', '') ? Number(option('rate', '')) : undefined;
  const loadCpus = option('pin-load', '');
  const placement: Placement = { profileDir: option('profile', '') || undefined };
  if (loadCpus) {
    placement.serverCpus = option('pin-servers', '') || otherCpus(loadCpus);
    pinLoadGenerator(loadCpus, placement.serverCpus);
  }
  const write = !process.argv.includes('--no-write') && !against;
  const stores: ('embedded' | 'redis')[] = process.env.REDIS_URL ? ['embedded', 'redis'] : ['embedded'];

  const started: Target[] = [];
  const results = new Map<string, Measured[]>();
  let serial = 0;
  const aspa: Target[] = [];
  let yardsticks: Target[] = [];
  try {
    for (const store of stores) aspa.push(await startAspa(`aspa-${store}`, REPO_ROOT, store, placement, workers));
    started.push(...aspa);
    if (against) {
      for (const store of stores) yardsticks.push(await startAspa(`base-${store}`, path.resolve(against), store, { ...placement, profileDir: undefined }, workers));
    } else {
      yardsticks = [await startPeer(peerReplies, placement)];
    }
    started.push(...yardsticks);
    if (process.argv.includes('--show')) {
      // One conversation on each, answers printed: the bots hold the same conversation.
      const agent = new http.Agent({ keepAlive: true });
      for (const target of started) {
        const answers: unknown[] = [];
        await target.conversation(agent, 0, 0, async (request) => { const answer = await request(); answers.push(answer); return answer; });
        console.log(target.name, JSON.stringify(answers).slice(0, 3000));
      }
      agent.destroy();
    }
    // Not recorded: JIT, SQLite page cache, the peer's MemoryStorage — the first round would pay for them.
    for (const target of started) await measure(target, Math.max(...levels), 3, serial += 100_000);
    for (let round = 0; round < rounds; round += 1) {
      for (const concurrency of levels) {
        const order = started.map((_, i) => started[(i + round) % started.length]);
        for (const target of order) {
          const result = await measure(target, concurrency, seconds, serial += 100_000, rate);
          const key = `${target.name}@${concurrency}`;
          results.set(key, [...(results.get(key) ?? []), result]);
          console.log(`round ${round + 1} ${key}: ${Math.round(result.perSecond)} turns/s, p50 ${formatMs(result.p50)}, p99 ${formatMs(result.p99)}, server CPU ${result.cpuMsPerTurn.toFixed(3)} ms/turn (${result.turns} turns${result.errors ? `, ${result.errors} errors` : ''})`);
        }
      }
    }
  } finally {
    for (const target of aspa) {
      const logBytes = target.logFile && fs.existsSync(target.logFile) ? fs.statSync(target.logFile).size : 0;
      console.log(`${target.name} wrote ${(logBytes / 1024).toFixed(0)} KB of logs`);
    }
    await Promise.all(started.map((target) => target.stop()));
  }

  const rows: string[] = [];
  const ratios: string[] = [];
  const yardstickOf = (target: Target) => (against ? yardsticks[aspa.indexOf(target)] : yardsticks[0]);
  for (const concurrency of levels) {
    const runs = (target: Target) => results.get(`${target.name}@${concurrency}`) ?? [];
    for (const target of [...aspa, ...(against ? yardsticks : yardsticks.slice(0, 1))]) {
      const r = runs(target);
      const errors = r.reduce((sum, run) => sum + run.errors, 0);
      rows.push(`| ${target.label} | ${concurrency} | ${Math.round(median(r.map((run) => run.perSecond)))} | ${formatMs(median(r.map((run) => run.p50)))} | ${formatMs(median(r.map((run) => run.p99)))} | ${errors} | ${median(r.map((run) => run.cpuMsPerTurn)).toFixed(3)} ms |`);
    }
    for (const target of aspa) {
      // Paired ratios: per round, then the median of those.
      const mine = runs(target);
      const theirs = runs(yardstickOf(target));
      const throughput = median(mine.map((run, i) => run.perSecond / theirs[i].perSecond));
      const p99 = median(mine.map((run, i) => run.p99 / theirs[i].p99));
      const cpu = median(mine.map((run, i) => run.cpuMsPerTurn / theirs[i].cpuMsPerTurn));
      ratios.push(`| ${target.label} | ${concurrency} | ${throughput.toFixed(2)} × | ${p99.toFixed(2)} × | ${cpu.toFixed(2)} × |`);
      console.log(`N=${concurrency} ${target.name}/${yardstickOf(target).name}: throughput ${throughput.toFixed(2)}×, p99 ${p99.toFixed(2)}×, server CPU per turn ${cpu.toFixed(2)}× (paired medians over ${rounds} rounds)`);
    }
  }
  const yardstickName = against ? 'previous build' : 'peer';
  const tables = `| system | N | turns/s | p50 | p99 | errors | server CPU / turn |
|---|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

| aspa | N | throughput aspa / ${yardstickName} | p99 aspa / ${yardstickName} | server CPU per turn aspa / ${yardstickName} |
|---|---:|---:|---:|---:|
${ratios.join('\n')}`;
  console.log(`\n${tables}\n`);
  const mode = rate ? `open loop at ${rate} turns/s in all` : 'closed loop';
  const pinning = placement.serverCpus ? `load generator pinned to processor(s) ${loadCpus}, servers to ${placement.serverCpus}` : 'the load generator shares the cores with the servers';
  if (write) {
    const args = process.argv.slice(2).filter((arg) => arg !== '--no-write');
    writeSection('http-peer-bench', `## HTTP turn path against a Bot Framework bot

Command: \`${process.env.REDIS_URL ? 'REDIS_URL=… ' : ''}npm run bench:http${args.length ? ` -- ${args.join(' ')}` : ''}\` (${machineLine()}; ${rounds} rounds of ${seconds} s per system and level after a warm-up, systems alternating, medians; ${mode}; ${pinning}).
Each of N workers plays conversations back to back (start + the 6-line Finnish script) over keep-alive connections; a
turn is one HTTP request; errors are conversations cut short by a failed request. Aspa runs as \`npm start\` does
(LOG_LEVEL=info, logs to a file); the peer (bench/peers/botframework-peer.ts) is botbuilder 4.23 CloudAdapter +
botbuilder-dialogs (WaterfallDialog + TextPrompt), regex intents, MemoryStorage. Ratios are paired per round, then the
median; the target is throughput ≥ 4 × and p99 ≤ 0.1 × the peer's at 64 and 256. Server CPU per turn is the CPU time
of the server's processes (from /proc) over the turns recorded: it moves far less than turns/s when the cores are shared.

${tables}`);
  }
}

main().catch((error) => { console.error(error); process.exitCode = 1; });
