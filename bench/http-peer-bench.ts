/**
 * `npm run bench:http`: Aspa's HTTP turn path against a plain Bot Framework bot (issue 10).
 *
 * Both run in their own child process on this machine; the load generator (this process) is closed-loop:
 * N workers, each playing one conversation after another (start + a 6-line Finnish customer script), each
 * request sent as soon as the previous answer arrived, over keep-alive agents. Systems alternate inside every
 * round so a neighbour on the shared cores hurts both alike; the table shows medians over rounds.
 *
 * - aspa: `node dist/src/cli.js serve` as `npm start` runs it (default embedded SQLite store, LOG_LEVEL=info,
 *   logs to a file as a container runtime would take them), web chat API: `POST /api/web/conversations`, then
 *   `POST /api/web/conversations/:id/messages`.
 * - peer: botbuilder 4.23 CloudAdapter + botbuilder-dialogs (WaterfallDialog + TextPrompt), regex intents,
 *   MemoryStorage, express, `POST /api/messages`. Replies come back in the HTTP answer (`deliveryMode:
 *   "expectReplies"`, the default here) or are posted to a local stand-in connector on 127.0.0.1
 *   (`--peer-replies connector`). The peer refuses any connection that is not to the loopback address.
 *
 * Options: `--rounds 3`, `--seconds 6`, `--concurrency 64,256`, `--against <dir>` (compare with the Aspa built in
 * another checkout, e.g. a `git worktree` of the previous commit, instead of the peer), `--no-write`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { machineLine, percentile, REPO_ROOT, writeSection } from './bench-report';

/** One customer conversation; the peer's regex intents cover exactly these lines. */
const SCRIPT = ['missä tilaukseni on', '12345', 'milloin asiakaspalvelu on auki', 'kyllä kiitos', 'miten palautan tuotteen', 'kiitos, siinä kaikki'];

// ---------------------------------------------------------------------------------------------------------------
// The peer bot (child process: `node http-peer-bench.js --serve-peer`).

function loopbackOnly(): void {
  const allowed = new Set(['127.0.0.1', 'localhost', '::1', undefined, '']);
  const original = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function connect(this: net.Socket, ...args: unknown[]) {
    const first = args[0];
    const host = typeof first === 'object' && first !== null && !Array.isArray(first) ? (first as { host?: string; path?: string }).host : typeof args[1] === 'string' ? args[1] : undefined;
    const isPipe = typeof first === 'object' && first !== null && 'path' in first && (first as { path?: string }).path;
    if (!isPipe && !allowed.has(host)) throw new Error(`peer bot: refused a connection to ${String(host)} (loopback only)`);
    return (original as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof original;
}

async function servePeer(): Promise<void> {
  loopbackOnly();
  const { ActivityTypes, CloudAdapter, ConfigurationBotFrameworkAuthentication, ConversationState, MemoryStorage } = await import('botbuilder');
  const { DialogSet, DialogTurnStatus, TextPrompt, WaterfallDialog } = await import('botbuilder-dialogs');
  const express = (await import('express')).default;

  const conversationState = new ConversationState(new MemoryStorage());
  const dialogs = new DialogSet(conversationState.createProperty('dialogState'));
  dialogs.add(new TextPrompt('text'));
  dialogs.add(new WaterfallDialog('order', [
    async (step) => step.prompt('text', 'Kerrotko tilausnumerosi? Se on tilausvahvistuksessa.'),
    async (step) => {
      const number = /\d{4,}/.exec(String(step.result))?.[0];
      await step.context.sendActivity(number ? `Tilaus ${number} on matkalla, perillä 2–3 arkipäivässä. Voinko auttaa vielä jossain?` : 'En löytänyt tilausnumeroa. Voinko auttaa muussa?');
      return step.endDialog();
    },
  ]));
  const intents: [RegExp, string | undefined][] = [
    [/tilau(s|kse)/i, undefined], // the waterfall
    [/auki|aukiolo|palvelu/i, 'Asiakaspalvelu on auki arkisin 8–16. Voinko auttaa muussa?'],
    [/palaut/i, 'Palautus onnistuu 30 päivän sisällä: tulosta palautuslappu tililtäsi. Voinko auttaa vielä?'],
    [/^kyllä/i, 'Kerro vain, mitä asiaa sinulla on.'],
    [/kiitos|siinä kaikki|hei/i, 'Kiitos yhteydenotosta, mukavaa päivän jatkoa!'],
  ];

  const auth = new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppType: '', MicrosoftAppTenantId: '' });
  const adapter = new CloudAdapter(auth);
  adapter.onTurnError = async (context, error) => {
    console.error('peer turn failed', error);
    await context.sendActivity('Pahoittelut, jokin meni vikaan.');
  };
  const app = express();
  app.use(express.json({ limit: '256kb' }));
  app.post('/api/messages', async (req, res) => {
    await adapter.process(req, res, async (context) => {
      const activity = context.activity;
      if (activity.type === ActivityTypes.ConversationUpdate) {
        if (activity.membersAdded?.some((member) => member.id !== activity.recipient.id)) {
          await context.sendActivity('Hei! Olen asiakaspalvelun botti. Miten voin auttaa?');
        }
      } else if (activity.type === ActivityTypes.Message) {
        const dc = await dialogs.createContext(context);
        const result = await dc.continueDialog();
        if (result.status === DialogTurnStatus.empty) {
          const text = activity.text ?? '';
          const match = intents.find(([pattern]) => pattern.test(text));
          if (!match) await context.sendActivity('En ymmärtänyt. Voitko sanoa toisin?');
          else if (match[1] === undefined) await dc.beginDialog('order');
          else await context.sendActivity(match[1]);
        }
      }
      await conversationState.saveChanges(context);
    });
  });
  // The stand-in for the Bot Framework connector: accepts the replies the bot posts back.
  const connector = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id":"1"}');
    });
  });
  await new Promise<void>((resolve) => connector.listen(0, '127.0.0.1', () => resolve()));
  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.address() as net.AddressInfo).port, connectorPort: (connector.address() as net.AddressInfo).port });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The load generator.

interface Target {
  name: string;
  /** Runs one conversation; calls `timed` around every request it sends. */
  conversation(agent: http.Agent, worker: number, serial: number, timed: <T>(request: () => Promise<T>) => Promise<T>): Promise<void>;
  stop(): Promise<void>;
  logFile?: string;
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

async function startAspa(name: string, root: string): Promise<Target> {
  const cli = path.join(root, 'dist/src/cli.js');
  if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` in ${root}`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `aspa-http-${name}-`));
  const logFile = path.join(dataDir, 'server.log');
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [cli, 'serve'], {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ASPA_DATA_DIR: dataDir, LOG_LEVEL: 'info', NODE_ENV: 'production', REDIS_URL: '', ASPA_STORE: 'embedded' },
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
  return {
    name, logFile,
    async conversation(agent, _worker, _serial, timed) {
      const started = await timed(() => post(agent, port, '/api/web/conversations', { locale: 'fi' })) as { conversationId: string; token: string };
      let index = 0;
      for (const text of SCRIPT) {
        index += 1;
        await timed(() => post(agent, port, `/api/web/conversations/${started.conversationId}/messages`,
          { type: 'message', text, clientMessageId: `${started.conversationId.slice(0, 20)}-${index}` }, started.token));
      }
    },
    stop: () => stopChild(child, () => fs.rmSync(dataDir, { recursive: true, force: true })),
  };
}

function stopChild(child: ChildProcess, after: () => void): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) { after(); resolve(); return; }
    child.once('exit', () => { after(); resolve(); });
    child.kill('SIGTERM');
  });
}

async function startPeer(replies: 'expect' | 'connector'): Promise<Target> {
  const child = spawn(process.execPath, [__filename, '--serve-peer'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, NODE_ENV: 'production' } });
  const { port, connectorPort } = await new Promise<{ port: number; connectorPort: number }>((resolve, reject) => {
    child.once('message', (message) => resolve(message as { port: number; connectorPort: number }));
    child.once('exit', (code) => reject(new Error(`peer exited with ${code}`)));
  });
  const serviceUrl = `http://127.0.0.1:${connectorPort}/`;
  let activityId = 0;
  return {
    name: 'peer',
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

interface Measured { turns: number; perSecond: number; p50: number; p99: number; errors: number }

/** Closed loop: `concurrency` workers start conversations until `seconds` are up; requests still in flight finish. */
async function measure(target: Target, concurrency: number, seconds: number, serialBase: number): Promise<Measured> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  const latencies: number[] = [];
  let errors = 0;
  let recording = false;
  let stopAt = Infinity;
  const timed = async <T>(request: () => Promise<T>): Promise<T> => {
    const started = process.hrtime.bigint();
    const result = await request();
    if (recording) latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
    return result;
  };
  let serial = serialBase;
  const worker = async (index: number) => {
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
  const begin = Date.now();
  stopAt = begin + (warmUp + seconds) * 1000;
  await new Promise((resolve) => setTimeout(resolve, warmUp * 1000));
  recording = true;
  const started = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const turns = latencies.length;
  recording = false;
  await Promise.all(all);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { turns, perSecond: turns / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors };
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

async function main(): Promise<void> {
  const rounds = Number(option('rounds', '3'));
  const seconds = Number(option('seconds', '6'));
  const levels = option('concurrency', '64,256').split(',').map(Number);
  const against = option('against', '');
  const peerReplies = option('peer-replies', 'expect') as 'expect' | 'connector';
  const write = !process.argv.includes('--no-write') && !against;

  const a = await startAspa('aspa', REPO_ROOT);
  const b = against ? await startAspa('base', path.resolve(against)) : await startPeer(peerReplies);
  const results = new Map<string, Measured[]>();
  let serial = 0;
  if (process.argv.includes('--show')) {
    // One conversation on each, answers printed: the two bots hold the same conversation.
    const agent = new http.Agent({ keepAlive: true });
    for (const target of [a, b]) {
      const answers: unknown[] = [];
      await target.conversation(agent, 0, 0, async (request) => { const answer = await request(); answers.push(answer); return answer; });
      console.log(target.name, JSON.stringify(answers).slice(0, 3000));
    }
    agent.destroy();
  }
  try {
    // Not recorded: JIT, SQLite page cache, the peer's MemoryStorage — the first round would pay for them.
    for (const target of [a, b]) await measure(target, Math.max(...levels), 3, serial += 100_000);
    for (let round = 0; round < rounds; round += 1) {
      for (const concurrency of levels) {
        const order = round % 2 === 0 ? [a, b] : [b, a];
        for (const target of order) {
          const result = await measure(target, concurrency, seconds, serial += 100_000);
          const key = `${target.name}@${concurrency}`;
          results.set(key, [...(results.get(key) ?? []), result]);
          console.log(`round ${round + 1} ${key}: ${Math.round(result.perSecond)} turns/s, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms (${result.turns} turns${result.errors ? `, ${result.errors} errors` : ''})`);
        }
      }
    }
  } finally {
    const logBytes = a.logFile && fs.existsSync(a.logFile) ? fs.statSync(a.logFile).size : 0;
    console.log(`aspa wrote ${(logBytes / 1024).toFixed(0)} KB of logs`);
    await Promise.all([a.stop(), b.stop()]);
  }

  const rows: string[] = [];
  const summary: string[] = [];
  for (const concurrency of levels) {
    const of = (target: Target) => {
      const runs = results.get(`${target.name}@${concurrency}`) ?? [];
      return { perSecond: median(runs.map((run) => run.perSecond)), p50: median(runs.map((run) => run.p50)), p99: median(runs.map((run) => run.p99)), errors: runs.reduce((sum, run) => sum + run.errors, 0) };
    };
    const [x, y] = [of(a), of(b)];
    // Paired ratios: per round, then the median of those.
    const ra = results.get(`${a.name}@${concurrency}`) ?? [];
    const rb = results.get(`${b.name}@${concurrency}`) ?? [];
    const throughput = median(ra.map((run, index) => run.perSecond / rb[index].perSecond));
    const tail = median(ra.map((run, index) => rb[index].p99 / run.p99));
    for (const [target, m] of [[a, x], [b, y]] as const) {
      rows.push(`| ${target === a ? 'aspa (web chat API, embedded SQLite)' : against ? `aspa from ${against}` : `Bot Framework bot (${peerReplies === 'expect' ? 'expectReplies' : 'replies to a local connector'})`} | ${concurrency} | ${Math.round(m.perSecond)} | ${m.p50.toFixed(1)} ms | ${m.p99.toFixed(1)} ms |${m.errors ? ` ${m.errors} errors` : ''}`);
    }
    summary.push(`| ${concurrency} | ${throughput.toFixed(2)} × | ${tail.toFixed(2)} × |`);
    console.log(`N=${concurrency}: aspa ${Math.round(x.perSecond)} turns/s p50 ${x.p50.toFixed(1)} p99 ${x.p99.toFixed(1)} ms; ${b.name} ${Math.round(y.perSecond)} turns/s p50 ${y.p50.toFixed(1)} p99 ${y.p99.toFixed(1)} ms; throughput aspa/${b.name} ${throughput.toFixed(2)}×, p99 ${b.name}/aspa ${tail.toFixed(2)}× (paired medians over ${rounds} rounds)`);
  }
  if (write) {
    writeSection('http-peer-bench', `## HTTP turn path against a Bot Framework bot

Command: \`npm run bench:http\` (${machineLine()}; ${rounds} rounds of ${seconds} s per system and level after a warm-up, systems alternating, medians).
Closed loop over keep-alive connections: each of N workers plays conversations back to back (start + the 6-line Finnish
script), sending a request as soon as the previous answer arrives; a turn is one HTTP request. The load generator
shares the 2 cores with the server. Aspa runs as \`npm start\` does (embedded SQLite, LOG_LEVEL=info, logs to a file);
the peer is botbuilder 4.23 CloudAdapter + botbuilder-dialogs (WaterfallDialog + TextPrompt), regex intents, MemoryStorage.

| system | N | turns/s | p50 | p99 |
|---|---:|---:|---:|---:|
${rows.join('\n')}

| N | throughput aspa / peer | p99 peer / aspa |
|---:|---:|---:|
${summary.join('\n')}`);
  }
}

if (process.argv.includes('--serve-peer')) {
  servePeer().catch((error) => { console.error(error); process.exit(1); });
} else {
  main().catch((error) => { console.error(error); process.exitCode = 1; });
}
