import { systemClock, type Clock } from '../../src/core/ports';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import { createRedisStores } from '../../src/stores/redis/create-redis-stores';
import type { Stores } from '../../src/core/ports';
import type { Aspa } from '../../src/server/composition';
import { loadMiniBotFrom, MINI_BOT_DIR } from '../support/mini-bot';
import { startTestServer } from '../support/start-test-server';

const TOKEN = 'agent-secret-token';

/** A copy of the mini bot that the test edits, as a designer edits flows/ and locales/. */
function copyBot(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'aspa-reload-'));
  cpSync(MINI_BOT_DIR, dir, { recursive: true });
  // The fixture leaves out three messages the engine tests never reach; the server's validation wants them.
  for (const locale of ['fi', 'en']) {
    edit(dir, `locales/${locale}/messages.yaml`, (text) => text
      .replace('\nsystem:\n', `\nsystem:\n  back_to_question: "Takaisin (${locale})"\n`)
      .replace('\nsurvey:\n', `\nsurvey:\n  reprompt: "1-5 (${locale})"\n  skipped: "Ohitettu (${locale})"\n`));
  }
  return dir;
}

function edit(dir: string, file: string, change: (text: string) => string): void {
  const full = path.join(dir, file);
  writeFileSync(full, change(readFileSync(full, 'utf8')));
}

async function startOn(dir: string, options: { stores?: Stores; watch?: boolean; clock?: Clock } = {}): Promise<{ aspa: Aspa; base: string }> {
  return startTestServer({
    ...(options.clock ? { clock: options.clock } : {}),
    env: { ASPA_FLOWS_DIR: path.join(dir, 'flows'), ASPA_LOCALES_DIR: path.join(dir, 'locales'), ASPA_WATCH_FLOWS: options.watch ? 'on' : 'off' },
    loaded: loadMiniBotFrom(dir),
    loadBot: () => loadMiniBotFrom(dir),
    // Without shared stores, the test server's own memory stores (on its clock, which agent sessions expire by).
    ...(options.stores ? { stores: options.stores } : {}),
  });
}

async function designerCookie(base: string): Promise<string> {
  const res = await fetch(`${base}/api/agent/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'Dina', password: TOKEN }) });
  expect(res.status).toBe(200);
  return (res.headers.get('set-cookie') ?? '').split(';')[0];
}

async function reload(base: string, cookie: string): Promise<{ status: number; body: { status: string; current: string; candidate: string; diagnostics: { rule: string; file: string; line: number; hint: string }[] } }> {
  const res = await fetch(`${base}/api/studio/reload`, { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: cookie }, body: '{}' });
  return { status: res.status, body: await res.json() };
}

/** The conversation's bot lines of one turn. */
async function say(base: string, id: string, text: string, token?: string): Promise<{ texts: string[]; token?: string }> {
  const res = await fetch(`${base}/api/conversations/${id}/messages`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ text }),
  });
  const body = await res.json() as { replies: { kind: string; text?: string }[]; accessToken?: string };
  expect(res.status).toBe(200);
  return { texts: body.replies.filter((reply) => reply.kind === 'message').map((reply) => reply.text as string), token: body.accessToken ?? token };
}

async function botVersion(base: string): Promise<string> {
  return ((await (await fetch(`${base}/healthz`)).json()) as { botVersion: string }).botVersion;
}

/** Polls until `check` holds (bounded: the test fails instead of hanging). */
async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const NEW_STATUS = (text: string) => text.replace('status: "Tilaus {order_number}: {order_status_text} (fi)"', 'status: "UUSI: tilauksesi {order_number} on {order_status_text}"');

describe('hot reload with version pinning', () => {
  let dir: string;
  let server: { aspa: Aspa; base: string };
  let cookie: string;

  beforeEach(async () => {
    dir = copyBot();
    server = await startOn(dir);
    cookie = await designerCookie(server.base);
  });
  afterEach(async () => {
    await server.aspa.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finishes a conversation on the version it started on while a new one gets the change', async () => {
    const first = await botVersion(server.base);
    const old = await say(server.base, 'pinned-1', 'tilaus');
    expect(old.texts).toEqual(['Tilausnumero? (fi)']);

    edit(dir, 'locales/fi/messages.yaml', NEW_STATUS);
    // A flow change too: the new version says a second line after the status.
    edit(dir, 'flows/order.yaml', (text) => text.replace('    say: order.status\n', '    say: [order.status, order.give_up]\n'));
    const outcome = await reload(server.base, cookie);
    expect(outcome.status).toBe(200);
    expect(outcome.body.status).toBe('activated');
    expect(outcome.body.current).not.toBe(first);
    expect(await botVersion(server.base)).toBe(outcome.body.current);

    // The conversation in the middle of the order flow finishes as it started.
    const finished = await say(server.base, 'pinned-1', '12345', old.token);
    expect(finished.texts[0]).toBe('Tilaus 12345: toimitettu (fi)');
    expect(finished.texts).not.toContain('En saanut numeroa (fi)');
    expect((await server.aspa.engine.getConversation('pinned-1'))?.botVersion).toBe(first);

    // A new one runs on the new flow and messages.
    const fresh = await say(server.base, 'fresh-1', 'tilaus');
    const answered = await say(server.base, 'fresh-1', '12345', fresh.token);
    expect(answered.texts.slice(0, 2)).toEqual(['UUSI: tilauksesi 12345 on toimitettu', 'En saanut numeroa (fi)']);
    expect((await server.aspa.engine.getConversation('fresh-1'))?.botVersion).toBe(outcome.body.current);

    // Both versions stay loaded while conversations use them.
    expect(server.aspa.versions.list().map((version) => version.id).sort()).toEqual([first, outcome.body.current].sort());
    // Reloading unchanged files is a no-op.
    expect((await reload(server.base, cookie)).body.status).toBe('unchanged');
  });

  it('keeps the last good version serving when a change does not validate, and reports the problems', async () => {
    const good = await botVersion(server.base);
    edit(dir, 'flows/order.yaml', (text) => text.replace('on_failure: give_up', 'on_failure: giev_up'));
    const outcome = await reload(server.base, cookie);
    expect(outcome.status).toBe(422);
    expect(outcome.body.status).toBe('rejected');
    expect(outcome.body.current).toBe(good);
    expect(outcome.body.diagnostics).toEqual(expect.arrayContaining([expect.objectContaining({ rule: 'unknown-target', line: 7, hint: expect.stringContaining('give_up') })]));
    expect(await botVersion(server.base)).toBe(good);
    expect((await say(server.base, 'after-broken', 'tilaus')).texts).toEqual(['Tilausnumero? (fi)']);

    const versions = await (await fetch(`${server.base}/api/studio/versions`, { headers: { Cookie: cookie } })).json() as { current: string; rejected?: { version: string; diagnostics: unknown[] } };
    expect(versions.current).toBe(good);
    expect(versions.rejected?.version).toBe(outcome.body.candidate);
    expect(versions.rejected?.diagnostics.length).toBeGreaterThan(0);

    // Fixed: served, and the problems are gone.
    edit(dir, 'flows/order.yaml', (text) => text.replace('giev_up', 'give_up'));
    expect((await reload(server.base, cookie)).body.status).toBe('unchanged');
    const after = await (await fetch(`${server.base}/api/studio/versions`, { headers: { Cookie: cookie } })).json() as { rejected?: unknown };
    expect(after.rejected).toBeUndefined();
  });

  it('moves live conversations where the flow declares the move safe', async () => {
    const started = await say(server.base, 'moving-1', 'tilaus');
    // `migrate` maps the state the first conversation is in; the message changes as well.
    edit(dir, 'locales/fi/messages.yaml', NEW_STATUS);
    edit(dir, 'flows/order.yaml', (text) => `${text}migrate:\n  ask_number: ask_number\n`);
    const outcome = await reload(server.base, cookie);
    expect(outcome.body.status).toBe('activated');
    expect((await say(server.base, 'moving-1', '12345', started.token)).texts[0]).toBe('UUSI: tilauksesi 12345 on toimitettu');
    expect((await server.aspa.engine.getConversation('moving-1'))?.botVersion).toBe(outcome.body.current);

    // `migrate: safe` moves any state that still exists; a map target that does not exist is refused.
    edit(dir, 'flows/order.yaml', (text) => text.replace('migrate:\n  ask_number: ask_number\n', 'migrate:\n  ask_number: ask_numbr\n'));
    const broken = await reload(server.base, cookie);
    expect(broken.body.status).toBe('rejected');
    expect(broken.body.diagnostics.find((d) => d.rule === 'unknown-target')).toEqual(expect.objectContaining({ rule: 'unknown-target', hint: expect.stringContaining('ask_number') }));
  });

  it('refuses the reload endpoint without a designer login', async () => {
    const anonymous = await fetch(`${server.base}/api/studio/reload`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(anonymous.status).toBe(401);
    const crossSite = await fetch(`${server.base}/api/studio/reload`, { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: cookie, Origin: 'https://evil.example' }, body: '{}' });
    expect(crossSite.status).toBe(403);
  });
});

describe('hot reload on a file change', () => {
  it('reloads after the files change, without a restart', async () => {
    const dir = copyBot();
    const server = await startOn(dir, { watch: true });
    try {
      const before = await botVersion(server.base);
      edit(dir, 'locales/fi/messages.yaml', (text) => text.replace('ask_number: { text: "Tilausnumero? (fi)"', 'ask_number: { text: "Mikä on tilausnumerosi?"'));
      await eventually(async () => (await botVersion(server.base)) !== before);
      expect((await say(server.base, 'watched-1', 'tilaus')).texts).toEqual(['Mikä on tilausnumerosi?']);
    } finally {
      await server.aspa.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const redisUrl = process.env.REDIS_URL;
const describeRedis = redisUrl ? describe : describe.skip;

describeRedis('hot reload on two instances sharing Redis', () => {
  const prefix = `aspa-test-reload-${process.pid}-${Date.now()}:`;
  afterAll(async () => {
    const client = createClient({ url: redisUrl });
    await client.connect();
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) if (keys.length) await client.del(keys);
    await client.quit();
  });

  it('switches both instances to the same version; a conversation keeps its version on either instance', async () => {
    const dir = copyBot();
    const stores: Stores[] = [];
    const servers: { aspa: Aspa; base: string }[] = [];
    try {
      // Both instances and their stores on the real clock: Redis expires agent sessions in real time.
      for (let index = 0; index < 2; index += 1) stores.push(await createRedisStores({ url: redisUrl as string, keyPrefix: prefix, clock: systemClock }));
      for (const store of stores) servers.push(await startOn(dir, { stores: store, clock: systemClock }));
      const first = await botVersion(servers[0].base);
      expect(await botVersion(servers[1].base)).toBe(first);
      const live = await say(servers[1].base, 'multi-pinned', 'tilaus');

      edit(dir, 'locales/fi/messages.yaml', NEW_STATUS);
      const outcome = await reload(servers[0].base, await designerCookie(servers[0].base));
      expect(outcome.body.status).toBe('activated');
      // The other instance hears the announcement, loads the same content hash and switches to it.
      await eventually(async () => (await botVersion(servers[1].base)) === outcome.body.current);

      // The conversation started on instance 1 before the switch finishes on its version on instance 0.
      expect((await say(servers[0].base, 'multi-pinned', '12345', live.token)).texts[0]).toBe('Tilaus 12345: toimitettu (fi)');
      const fresh = await say(servers[1].base, 'multi-fresh', 'tilaus');
      expect((await say(servers[0].base, 'multi-fresh', '12345', fresh.token)).texts[0]).toBe('UUSI: tilauksesi 12345 on toimitettu');
    } finally {
      for (const server of servers) await server.aspa.close();
      for (const store of stores) await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
