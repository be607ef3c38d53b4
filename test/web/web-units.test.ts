import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { escapeHtml, jsonForScript, renderAgentPage } from '../../src/channels/web/agent-console/agent-pages';
import { createAgentSessions, hasRole, loadAgentUsers } from '../../src/channels/web/agent-console/agent-sessions';
import { hashPassword, verifyPassword } from '../../src/channels/web/agent-console/hash-password';
import { resolveAssetsDir } from '../../src/channels/web/resolve-assets-dir';
import { webConfigFromEnv } from '../../src/channels/web/web-config';
import { newAccessToken, newConversationId } from '../../src/channels/web/web-conversations';
import { toWidgetReplies } from '../../src/channels/web/widget-protocol';
import { createMemoryStores } from '../../src/stores/memory/create-memory-stores';
import { ROOT } from './support/start-web-server';

describe('conversation ids and tokens', () => {
  it('are 128-bit (ids) and 256-bit (tokens) random base64url strings', () => {
    const ids = Array.from({ length: 2000 }, newConversationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 50)) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    }
    expect(Buffer.from(newAccessToken(), 'base64url')).toHaveLength(32);
    // Every one of the 128 bits is set in about half of the ids (a counter or a clock would fail this).
    const ones = new Array(128).fill(0);
    for (const id of ids) {
      const bytes = Buffer.from(id, 'base64url');
      for (let bit = 0; bit < 128; bit++) if (bytes[bit >> 3] & (1 << (bit & 7))) ones[bit]++;
    }
    for (const count of ones) expect(Math.abs(count / ids.length - 0.5)).toBeLessThan(0.06);
  });
});

describe('agent passwords and users file', () => {
  it('hashes with scrypt and a random salt, and verifies', async () => {
    const hash = await hashPassword('korppi-ja-kettu');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{86}$/);
    expect(await hashPassword('korppi-ja-kettu')).not.toBe(hash);
    expect(await verifyPassword('korppi-ja-kettu', hash)).toBe(true);
    expect(await verifyPassword('korppi-ja-ketu', hash)).toBe(false);
    expect(await verifyPassword('x', 'scrypt$1$1$1$aa$bb')).toBe(false);
    expect(await verifyPassword('x', 'plain')).toBe(false);
    await expect(hashPassword('short')).rejects.toThrow(/8 characters/);
  });

  it('logs in users from the file and names the bad entry of a broken file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aspa-users-'));
    const file = path.join(dir, 'users.json');
    fs.writeFileSync(file, JSON.stringify([{ name: 'Liisa', passwordHash: await hashPassword('revontulet') }]));
    const clock = { now: () => 0 };
    const sessions = createAgentSessions({ users: loadAgentUsers(file), clock, ttlMs: 1000, store: createMemoryStores({ clock }).agentSessions });
    expect(await sessions.login('liisa', 'revontulet')).toMatchObject({ ok: true, session: { name: 'Liisa' } });
    expect(await sessions.login('Liisa', 'väärä')).toMatchObject({ ok: false });
    expect(await sessions.login('Someone', 'revontulet')).toMatchObject({ ok: false });
    fs.writeFileSync(file, JSON.stringify([{ name: 'X', passwordHash: 'plain' }]));
    expect(() => loadAgentUsers(file)).toThrow(/entry 0/);
    fs.writeFileSync(file, JSON.stringify([{ name: 'X', passwordHash: await hashPassword('revontulet'), roles: ['boss'] }]));
    expect(() => loadAgentUsers(file)).toThrow(/entry 0 "roles"/);
    fs.writeFileSync(file, '{');
    expect(() => loadAgentUsers(file)).toThrow(/cannot read it as JSON/);
  });

  it('gives users-file entries their roles (agent by default) and the shared token every role', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aspa-users-'));
    const file = path.join(dir, 'users.json');
    const passwordHash = await hashPassword('revontulet');
    fs.writeFileSync(file, JSON.stringify([{ name: 'Liisa', passwordHash }, { name: 'Pekka', passwordHash, roles: ['manager', 'designer'] }]));
    const clock = { now: () => 0 };
    const sessions = createAgentSessions({ users: loadAgentUsers(file), token: 'a-long-enough-token', clock, ttlMs: 1000, store: createMemoryStores({ clock }).agentSessions });
    const liisa = await sessions.login('Liisa', 'revontulet');
    const pekka = await sessions.login('Pekka', 'revontulet');
    const operator = await sessions.login('Olli', 'a-long-enough-token');
    if (!liisa.ok || !pekka.ok || !operator.ok) throw new Error('login failed');
    expect(liisa.session.roles).toEqual(['agent']);
    expect(hasRole(pekka.session, 'agent')).toBe(false);
    expect(operator.session.roles).toEqual(['agent', 'manager', 'designer']);
    const req = { headers: { cookie: `aspa_agent=${pekka.session.id}` } } as never;
    expect((await sessions.fromRequest(req))?.roles).toEqual(['manager', 'designer']);
  });

  it('expires sessions by the injected clock', async () => {
    let now = 0;
    const clock = { now: () => now };
    const sessions = createAgentSessions({ token: 'a-long-enough-token', clock, ttlMs: 1000, store: createMemoryStores({ clock }).agentSessions });
    const result = await sessions.login('Maija', 'a-long-enough-token');
    if (!result.ok) throw new Error('login failed');
    const req = { headers: { cookie: `aspa_agent=${result.session.id}` } } as never;
    expect((await sessions.fromRequest(req))?.name).toBe('Maija');
    now = 1000;
    expect(await sessions.fromRequest(req)).toBeUndefined();
  });
});

describe('server-side escaping', () => {
  it('escapes page text and JSON embedded in pages', () => {
    expect(escapeHtml('<a href="x">\'&')).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;');
    const json = jsonForScript({ text: '</script><script>alert(1)</script>' });
    expect(json).not.toContain('<');
    expect(JSON.parse(json)).toEqual({ text: '</script><script>alert(1)</script>' });
    const html = renderAgentPage('ticket', { lang: 'fi"><script>', strings: { console_title: '<script>alert(1)</script>' }, agentName: '<img src=x onerror=alert(1)>', ticketId: '</script>' });
    expect(html).not.toMatch(/<script>alert|<img src=x|<\/script><\/script>/);
    expect(html.match(/<script/g)).toHaveLength(2);
  });

  it('passes only http(s) links and marks the 1..5 survey as stars', () => {
    const replies = toWidgetReplies([
      { kind: 'message', text: 'Miten onnistuimme?', quickReplies: ['1', '2', '3', '4', '5'].map((n) => ({ label: n, payload: n })), links: [{ title: 'x', url: 'javascript:alert(1)' }, { title: 'ok', url: 'https://revontuli.example/ohje' }] },
      { kind: 'listen', expectedIntents: [], hints: [] },
    ]);
    expect(replies).toEqual([{ kind: 'message', text: 'Miten onnistuimme?', from: 'bot', quickReplies: expect.any(Array), links: [{ title: 'ok', url: 'https://revontuli.example/ohje' }], rating: 'stars' }]);
  });
});

describe('web config and assets', () => {
  it('reads the environment and lists every problem', () => {
    const { config, problems } = webConfigFromEnv({ WEB_ALLOWED_ORIGINS: 'https://shop.example.com, http://localhost:8080/, shop.example.com', AGENT_TOKEN: 'short', WEB_DEFAULT_LOCALE: 'de' });
    expect(config.allowedOrigins).toEqual(['https://shop.example.com', 'http://localhost:8080']);
    expect(config.agentToken).toBeUndefined();
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/shop\.example\.com.*not an origin/);
  });

  it('finds the assets from src/ (tsx, ts-jest) and from dist/src/ (after tsc)', () => {
    const assets = path.join(ROOT, 'src/channels/web/assets');
    expect(resolveAssetsDir(path.join(ROOT, 'src/channels/web'))).toBe(assets);
    expect(resolveAssetsDir(path.join(ROOT, 'dist/src/channels/web'))).toBe(assets);
    expect(() => resolveAssetsDir(os.tmpdir())).toThrow(/assets not found/);
    expect(resolveAssetsDir(path.join(ROOT, "test-output/dist-check/src/channels/web"))).toBe(assets);
  });

  it('has every widget and console string in fi, en and sv', () => {
    for (const file of ['widget.yaml', 'agent-console.yaml']) {
      const keys = (locale: string) => Object.keys(YAML.parse(fs.readFileSync(path.join(ROOT, 'locales', locale, file), 'utf8'))).sort();
      expect(keys('en')).toEqual(keys('fi'));
      expect(keys('sv')).toEqual(keys('fi'));
    }
  });
});

describe('agent sessions in the store', () => {
  it('are valid on every instance sharing the store, also signed with a shared secret, until revoked or expired', async () => {
    const { createAgentSessions, SESSION_COOKIE } = await import('../../src/channels/web/agent-console/agent-sessions');
    const clock = { now: () => 1_000_000 };
    const store = createMemoryStores({ clock }).agentSessions;
    const make = (secret?: string) => createAgentSessions({ token: 'agent-token-for-tests-123', clock, ttlMs: 60_000, secret, store });
    const a = make('shared-secret-of-the-deployment');
    const login = await a.login('Maija', 'agent-token-for-tests-123');
    if (!login.ok) throw new Error(login.message);
    const request = (id: string) => ({ headers: { cookie: `${SESSION_COOKIE}=${id}` } }) as never;
    expect((await make('shared-secret-of-the-deployment').fromRequest(request(login.session.id)))?.name).toBe('Maija');
    expect(await make('another-secret-entirely-here').fromRequest(request(login.session.id))).toBeUndefined();
    expect(await make().fromRequest(request(login.session.id))).toBeUndefined();
    const [value, mac] = login.session.id.split('.');
    expect(await a.fromRequest(request(value))).toBeUndefined();
    expect(await a.fromRequest(request(`${value}.${mac}x`))).toBeUndefined();
    expect(await a.fromRequest(request(`${'A'.repeat(43)}.${mac}`))).toBeUndefined();
    expect(await a.isLive(login.session)).toBe(true);
    await make('shared-secret-of-the-deployment').logout(login.session.id);
    expect(await a.fromRequest(request(login.session.id))).toBeUndefined();
    expect(await a.isLive(login.session)).toBe(false);

    const unsigned = make();
    const second = await unsigned.login('Pekka', 'agent-token-for-tests-123');
    if (!second.ok) throw new Error(second.message);
    expect(second.session.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await make().fromRequest(request(second.session.id)))?.roles).toEqual(['agent', 'manager', 'designer']);
    clock.now = () => 1_000_000 + 61_000;
    expect(await make().fromRequest(request(second.session.id))).toBeUndefined();
  });
});
