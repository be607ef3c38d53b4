/**
 * `npm run soak`: mixed web-chat traffic against two Aspa instances on one private Redis (AOF on) while the
 * instances are killed with SIGKILL and restarted and Redis itself is killed and started again on the same
 * directory. Every acknowledged turn (HTTP 200 with replies) and every ticket id the customer was told is
 * recorded, then compared with what is stored and with the webhooks the local helpdesk received.
 * Loopback only, bounded in time (SOAK_SECONDS, default 75). Exit code 1 when anything was lost or duplicated.
 * SOAK_HOURS=closing (default) has the agents leave halfway through the run: before, "a person, please" makes its
 * ticket at once; after, the bot offers a callback and the billing complaint makes it; around closing time a crashed
 * turn's retry takes the other path. `open` keeps agents in all run, `clock` uses the real opening hours.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import { createWebhookReceiver } from '../src/handoff/webhook-receiver';
import { freePort } from './bench-report';

const ROOT = path.resolve(__dirname, '..');
const REDIS_SERVER = process.env.SOAK_REDIS_SERVER ?? '/usr/bin/redis-server';
const SOAK_MS = Number(process.env.SOAK_SECONDS ?? 75) * 1000;
const CUSTOMERS = Number(process.env.SOAK_CUSTOMERS ?? 12);
const HOURS = process.env.SOAK_HOURS ?? 'closing';
const TIME_ZONE = 'Europe/Helsinki';

/** ASPA_OPENING_HOURS for the run: open all week, or open today until `closeAt` (minutes; rounded up). */
function openingHours(closeAt: number | undefined): string {
  const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
  const week: Record<string, string[]> = Object.fromEntries(days.map((day) => [day, ['00:00-24:00']]));
  if (closeAt !== undefined) {
    const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(closeAt + 59_999)).map((part) => [part.type, part.value]));
    const today = parts.weekday.toLowerCase().slice(0, 3);
    // Not past midnight: a range must end on its own day (a run that would close at 00:00 stays open).
    if (`${parts.hour}:${parts.minute}` !== '00:00') week[today] = [`00:00-${parts.hour}:${parts.minute}`];
  }
  return JSON.stringify(week);
}
const WEBHOOK_SECRET = randomBytes(24).toString('hex');
const AGENT_TOKEN = randomBytes(24).toString('hex');

/** Lines the demo bot understands (test/conversations/*.fi.yaml): FAQ, order status with a number, a person. */
const SCRIPTS: readonly (readonly string[])[] = [
  ['mihin mennessä lasku pitää maksaa', 'kyllä', 'ei muuta kiitos'],
  ['missä tilaukseni on', '12345', 'ei muuta kiitos'],
  ['haluan puhua ihmisen kanssa', 'Lasku 2026-1187: minulta veloitettiin marraskuun kuukausimaksu kahdesti'],
];

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => Promise<boolean> | boolean, deadlineMs: number): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (await Promise.resolve().then(check).catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${what}: not within ${deadlineMs} ms`);
}

// ---- the private Redis -------------------------------------------------------------------------------------

function createPrivateRedis(port: number, dir: string) {
  let child: ChildProcess | undefined;
  const ping = () => new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => { socket.destroy(); resolve(data.toString().startsWith('+PONG')); });
    socket.once('error', () => resolve(false));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    async start(): Promise<void> {
      child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--dir', dir, '--save', ''], { stdio: 'ignore' });
      await until('redis-server answers PING', ping, 10_000);
    },
    async kill(): Promise<void> {
      const dying = child;
      child = undefined;
      if (!dying || dying.exitCode !== null) return;
      await new Promise<void>((resolve) => { dying.once('exit', () => resolve()); dying.kill('SIGKILL'); });
    },
  };
}

// ---- Aspa instances --------------------------------------------------------------------------------------

function createInstance(name: string, port: number, env: Record<string, string>, logFile: string) {
  let child: ChildProcess | undefined;
  return {
    name, port,
    get running() { return child !== undefined; },
    async start(): Promise<void> {
      const started = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli.ts'), 'serve'], {
        cwd: ROOT, env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      started.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
      await new Promise<void>((resolve, reject) => {
        started.stdout?.on('data', (chunk: Buffer) => { if (chunk.toString().includes('serving on')) resolve(); });
        started.once('exit', (code) => reject(new Error(`${name} exited with ${code} before serving: ${stderr}`)));
      });
      // Kept for a post-mortem (the run's directory stays when anything was lost or duplicated).
      const log = fs.createWriteStream(logFile, { flags: 'a' });
      log.write(`--- ${name} started ${new Date().toISOString()}\n`);
      started.stdout?.pipe(log);
      started.stderr?.pipe(log);
      child = started;
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
      const dying = child;
      child = undefined;
      if (!dying || dying.exitCode !== null) return;
      await new Promise<void>((resolve) => { dying.once('exit', () => resolve()); dying.kill(signal); });
    },
  };
}
type Instance = ReturnType<typeof createInstance>;

// ---- the helpdesk ----------------------------------------------------------------------------------------

function createHelpdesk() {
  const receiver = createWebhookReceiver({ secret: WEBHOOK_SECRET, toleranceSeconds: 3600 });
  const created = new Map<string, number>();
  let updates = 0;
  let repeatsAnswered = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const verdict = receiver.verify({ body: Buffer.concat(chunks), headers: req.headers });
      if (!verdict.ok) { res.statusCode = verdict.status; res.end(verdict.reason); return; }
      if (verdict.duplicate) { repeatsAnswered += 1; res.end('duplicate'); return; }
      const payload = verdict.payload as { event?: string; ticket?: { id?: string } };
      if (payload.event === 'ticket.created' && payload.ticket?.id) created.set(payload.ticket.id, (created.get(payload.ticket.id) ?? 0) + 1);
      else updates += 1;
      receiver.markProcessed(verdict.idempotencyKey);
      res.end('ok');
    });
  });
  return {
    created, get updates() { return updates; }, get repeatsAnswered() { return repeatsAnswered; },
    listen: () => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port))),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

// ---- the customers ---------------------------------------------------------------------------------------

interface HttpAnswer { status: number; body: unknown }

function request(port: number, method: string, urlPath: string, body?: unknown, token?: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request({
      host: '127.0.0.1', port, path: urlPath, method, timeout: 15_000,
      headers: { ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let parsed: unknown = text;
        try { parsed = JSON.parse(text); } catch { /* keep the text */ }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(data);
  });
}

interface Acknowledged { conversationId: string; token: string; text: string; clientMessageId: string }

const stats = {
  attempts: 0, retries: 0, status503: 0, status503DuringRedisOutage: 0, otherFailures: new Map<string, number>(),
  acknowledged: [] as Acknowledged[], abandoned: 0, conversations: new Map<string, string>(), toldTickets: new Map<string, string>(),
};
let redisDown = false;
/** Every attempt at a conversation's messages (time, instance, clientMessageId, outcome), printed for a duplicate. */
const trails = new Map<string, string[]>();

function leaveTrail(urlPath: string, body: unknown, line: string): void {
  const conversationId = /\/conversations\/([^/]+)\/messages$/.exec(urlPath)?.[1];
  if (!conversationId) return;
  const clientMessageId = (body as { clientMessageId?: string }).clientMessageId ?? '-';
  trails.set(conversationId, [...(trails.get(conversationId) ?? []), `${new Date().toISOString()} ${clientMessageId} ${line}`]);
}

function countFailure(key: string): void {
  stats.otherFailures.set(key, (stats.otherFailures.get(key) ?? 0) + 1);
}

/**
 * Sends until answered like a retrying client: the same body (and so the same clientMessageId) to any live
 * instance, backing off, for at most 45 s. Answers the 2xx, or undefined when it gave up.
 */
async function sendWithRetry(instances: readonly Instance[], method: string, urlPath: string, body: unknown, token?: string): Promise<HttpAnswer | undefined> {
  const giveUpAt = Date.now() + 45_000;
  for (let attempt = 0; Date.now() < giveUpAt; attempt += 1) {
    stats.attempts += 1;
    if (attempt > 0) stats.retries += 1;
    const live = instances.filter((instance) => instance.running);
    const target = live.length > 0 ? live[Math.floor(Math.random() * live.length)] : instances[0];
    try {
      const answer = await request(target.port, method, urlPath, body, token);
      const replies = (answer.body as { replies?: { kind: string; ticketId?: string }[]; duplicate?: boolean })?.replies;
      leaveTrail(urlPath, body, `${target.name} ${answer.status}${replies ? ` [${replies.map((reply) => reply.ticketId ? `${reply.kind}:${reply.ticketId}` : reply.kind).join(' ')}]` : ''}${redisDown ? ' (redis down)' : ''}`);
      if (answer.status >= 200 && answer.status < 300) return answer;
      if (answer.status === 503) {
        stats.status503 += 1;
        if (redisDown) stats.status503DuringRedisOutage += 1;
      } else {
        const code = (answer.body as { error?: string | { code?: string } })?.error;
        countFailure(`HTTP ${answer.status} ${typeof code === 'string' ? code : code?.code ?? ''}`.trim());
      }
    } catch (error) {
      const failure = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      leaveTrail(urlPath, body, `${target.name} ${failure}${redisDown ? ' (redis down)' : ''}`);
      countFailure(failure);
    }
    await sleep(Math.min(50 * 2 ** attempt, 1000) * (0.5 + Math.random()));
  }
  return undefined;
}

async function customer(instances: readonly Instance[], index: number, deadline: number): Promise<void> {
  for (let round = 0; Date.now() < deadline; round += 1) {
    const script = SCRIPTS[(index + round) % SCRIPTS.length];
    // Starting is not idempotent: a start lost in a fault leaves an unused conversation, never a lost turn.
    const started = await sendWithRetry(instances, 'POST', '/api/web/conversations', { locale: 'fi' });
    if (!started) { stats.abandoned += 1; continue; }
    const { conversationId, token } = started.body as { conversationId: string; token: string };
    stats.conversations.set(conversationId, token);
    for (const text of script) {
      const clientMessageId = randomBytes(12).toString('base64url');
      const answer = await sendWithRetry(instances, 'POST', `/api/web/conversations/${conversationId}/messages`, { type: 'message', text, clientMessageId }, token);
      if (!answer) { stats.abandoned += 1; break; }
      const replies = (answer.body as { replies?: { kind: string; ticketId?: string }[] }).replies ?? [];
      if (replies.length === 0) { countFailure('200 without replies'); continue; }
      stats.acknowledged.push({ conversationId, token, text, clientMessageId });
      for (const reply of replies) if (reply.kind === 'handoff' && reply.ticketId) stats.toldTickets.set(reply.ticketId, conversationId);
    }
  }
}

// ---- the faults ------------------------------------------------------------------------------------------

async function faults(instances: readonly Instance[], redis: ReturnType<typeof createPrivateRedis>, deadline: number, log: string[]): Promise<void> {
  // Leave the last fifth of the run fault-free, so the last turns and the outbox settle under load.
  const faultsEnd = deadline - SOAK_MS / 5;
  for (let step = 0; Date.now() < faultsEnd; step += 1) {
    await sleep(4000 + Math.random() * 2000);
    if (Date.now() >= faultsEnd) break;
    if (step % 3 === 2) {
      log.push(`${new Date().toISOString()} redis SIGKILL`);
      redisDown = true;
      await redis.kill();
      await sleep(2000);
      await redis.start();
      redisDown = false;
      log.push(`${new Date().toISOString()} redis started again on the same AOF`);
    } else {
      const victim = instances[step % instances.length];
      log.push(`${new Date().toISOString()} ${victim.name} SIGKILL`);
      await victim.kill('SIGKILL');
      await sleep(1000);
      await victim.start();
      log.push(`${new Date().toISOString()} ${victim.name} restarted`);
    }
  }
}

// ---- the check -------------------------------------------------------------------------------------------

/** Everything about a conversation with more than one ticket: the customer's attempts, the tickets, their keys. */
async function explainDuplicate(client: ReturnType<typeof createClient>, conversationId: string, ticketIds: string[]): Promise<void> {
  console.log(`DUPLICATED: conversation ${conversationId} has tickets ${ticketIds.join(', ')}`);
  for (const line of trails.get(conversationId) ?? []) console.log(`  attempt ${line}`);
  for (const id of ticketIds) {
    const ticket = JSON.parse((await client.get(`aspa:ticket:${id}`)) ?? '{}') as { createdAt?: number; reason?: string; transcript?: { from: string; text: string }[] };
    const customerLines = (ticket.transcript ?? []).filter((line) => line.from === 'customer').map((line) => JSON.stringify(line.text.slice(0, 40)));
    console.log(`  ticket ${id} created ${new Date(ticket.createdAt ?? 0).toISOString()} reason ${ticket.reason} after ${customerLines.join(', ')}`);
  }
  for await (const keys of client.scanIterator({ MATCH: `aspa:ticket-key:${conversationId}:*`, COUNT: 100 })) {
    for (const key of keys) console.log(`  reservation ${key.slice('aspa:ticket-key:'.length)} -> ${await client.get(key)}`);
  }
  const version = await client.hGet(`aspa:conv:${conversationId}`, 'v');
  const record = JSON.parse((await client.hGet(`aspa:conv:${conversationId}`, 'd')) ?? '{}') as { status?: string; state?: string; ticketId?: string; processed?: { clientMessageId: string }[] };
  console.log(`  conversation v${version} status ${record.status} state ${record.state} ticketId ${record.ticketId} processed ${(record.processed ?? []).map((entry) => entry.clientMessageId).join(' ')}`);
  for (const json of await client.lRange(`aspa:conv:${conversationId}:t`, 0, -1)) {
    const line = JSON.parse(json) as { at: number; from: string; text: string; key?: string };
    console.log(`  transcript ${new Date(line.at).toISOString()} ${line.from}: ${line.key ?? ''} ${JSON.stringify(line.text.slice(0, 60))}`);
  }
}

async function compare(instances: readonly Instance[], redisUrl: string, helpdesk: ReturnType<typeof createHelpdesk>) {
  let lostTurns = 0;
  let duplicatedTurns = 0;
  const byConversation = new Map<string, Acknowledged[]>();
  for (const ack of stats.acknowledged) byConversation.set(ack.conversationId, [...(byConversation.get(ack.conversationId) ?? []), ack]);
  for (const [conversationId, acks] of byConversation) {
    const answer = await sendWithRetry(instances, 'GET', `/api/web/conversations/${conversationId}/transcript`, undefined, acks[0].token);
    const lines = ((answer?.body as { lines?: { from: string; text: string }[] })?.lines ?? []).filter((line) => line.from === 'customer');
    for (const ack of acks) {
      const found = lines.filter((line) => line.text === ack.text).length;
      if (found === 0) lostTurns += 1;
      if (found > 1) duplicatedTurns += found - 1;
    }
  }

  const client = createClient({ url: redisUrl });
  await client.connect();
  const storedIds = await client.zRange('aspa:tickets:all', 0, -1);
  const ticketsOfConversation = new Map<string, string[]>();
  for (const id of storedIds) {
    const stored = await client.get(`aspa:ticket:${id}`);
    const conversationId = stored ? (JSON.parse(stored) as { conversationId?: string }).conversationId : undefined;
    if (conversationId) ticketsOfConversation.set(conversationId, [...(ticketsOfConversation.get(conversationId) ?? []), id]);
  }
  for (const [conversationId, ids] of ticketsOfConversation) if (ids.length > 1) await explainDuplicate(client, conversationId, ids);
  const outboxKeys: string[] = [];
  for await (const keys of client.scanIterator({ MATCH: 'aspa:outbox*', COUNT: 100 })) outboxKeys.push(...keys);
  await client.close();

  const stored = new Set(storedIds);
  const lostTickets = [...stats.toldTickets.keys()].filter((id) => !stored.has(id)).length;
  // Each handoff script asks for a person once, so a conversation with two tickets made one twice.
  const duplicatedTickets = [...ticketsOfConversation.values()].reduce((sum, ids) => sum + Math.max(0, ids.length - 1), 0);
  const undelivered = [...stats.toldTickets.keys()].filter((id) => !helpdesk.created.has(id)).length;
  const deliveredTwice = [...helpdesk.created.values()].reduce((sum, count) => sum + count - 1, 0);
  return { lostTurns, duplicatedTurns, lostTickets, duplicatedTickets, undelivered, deliveredTwice, storedTickets: storedIds.length, outboxKeys: outboxKeys.length };
}

async function main(): Promise<void> {
  if (!fs.existsSync(REDIS_SERVER)) throw new Error(`${REDIS_SERVER} not found; install redis-server or set SOAK_REDIS_SERVER`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aspa-soak-'));
  const redis = createPrivateRedis(await freePort(), dir);
  const helpdesk = createHelpdesk();
  const instances: Instance[] = [];
  const faultLog: string[] = [];
  try {
    await redis.start();
    const helpdeskPort = await helpdesk.listen();
    const env = {
      REDIS_URL: redis.url, ASPA_STORE: 'redis', ASPA_WORKERS: '1', ASPA_DATA_DIR: dir, AGENT_TOKEN,
      TICKET_WEBHOOK_URL: `http://127.0.0.1:${helpdeskPort}/hooks/aspa`, TICKET_WEBHOOK_SECRET: WEBHOOK_SECRET,
      ASPA_TIMEZONE: TIME_ZONE,
      ...(HOURS === 'clock' ? {} : { ASPA_OPENING_HOURS: openingHours(HOURS === 'closing' ? Date.now() + SOAK_MS / 2 : undefined) }),
    };
    if (env.ASPA_OPENING_HOURS) console.log(`opening hours (${TIME_ZONE}): ${env.ASPA_OPENING_HOURS}`);
    for (const name of ['aspa-a', 'aspa-b']) instances.push(createInstance(name, await freePort(), env, path.join(dir, `${name}.log`)));
    await Promise.all(instances.map((instance) => instance.start()));

    const started = Date.now();
    const deadline = started + SOAK_MS;
    console.log(`soak: ${CUSTOMERS} customers on ${instances.length} instances, private Redis with AOF at ${redis.url}, ${SOAK_MS / 1000} s, agents ${HOURS === 'closing' ? 'leave halfway' : HOURS === 'clock' ? 'in by the opening hours' : 'in all run'}`);
    await Promise.all([
      faults(instances, redis, deadline, faultLog),
      ...Array.from({ length: CUSTOMERS }, (_, index) => customer(instances, index, deadline)),
    ]);
    for (const instance of instances) if (!instance.running) await instance.start();

    // The outbox delivers in the background: wait (bounded) until every told ticket reached the helpdesk.
    await until('webhooks delivered', () => [...stats.toldTickets.keys()].every((id) => helpdesk.created.has(id)), 30_000).catch(() => undefined);
    const result = await compare(instances, redis.url, helpdesk);
    const lost = result.lostTurns + result.lostTickets + result.undelivered;
    const duplicated = result.duplicatedTurns + result.duplicatedTickets + result.deliveredTwice;

    for (const line of faultLog) console.log(`  fault ${line}`);
    console.log(`acknowledged turns   ${stats.acknowledged.length} in ${stats.conversations.size} conversations (${Math.round(stats.acknowledged.length / ((Date.now() - started) / 1000))}/s over the run)`);
    console.log(`tickets told         ${stats.toldTickets.size} (stored: ${result.storedTickets})`);
    console.log(`webhooks delivered   ${helpdesk.created.size} ticket.created, ${helpdesk.updates} other, ${helpdesk.repeatsAnswered} repeats answered as duplicates`);
    console.log(`lost                 ${lost} (turns ${result.lostTurns}, tickets ${result.lostTickets}, webhooks ${result.undelivered})`);
    console.log(`duplicated           ${duplicated} (turns ${result.duplicatedTurns}, tickets ${result.duplicatedTickets}, webhooks ${result.deliveredTwice})`);
    console.log(`503 answers          ${stats.status503} (${stats.status503DuringRedisOutage} while Redis was down); retries ${stats.retries} of ${stats.attempts} requests; gave up ${stats.abandoned}`);
    if (stats.otherFailures.size > 0) console.log(`other failures       ${[...stats.otherFailures].map(([key, count]) => `${key}: ${count}`).join(', ')}`);
    process.exitCode = lost + duplicated > 0 || stats.acknowledged.length === 0 ? 1 : 0;
  } finally {
    await Promise.all(instances.map((instance) => instance.kill('SIGKILL')));
    await redis.kill();
    await helpdesk.close();
    if (process.exitCode === 1) console.log(`kept for a post-mortem: ${dir} (the instances' logs and Redis's AOF)`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`soak failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
