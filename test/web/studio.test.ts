import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hashPassword } from '../../src/channels/web/agent-console/hash-password';
import { problemsByState, renderFlowDiagram } from '../../src/channels/web/studio/flow-diagram';
import { parseFlowSource } from '../../src/flows/load-flows';
import type { Aspa } from '../../src/server/composition';
import { startTestServer } from '../support/start-test-server';

async function login(base: string, name: string, password: string): Promise<string> {
  const res = await fetch(`${base}/api/agent/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name, password }) });
  expect(res.status).toBe(200);
  return (res.headers.get('set-cookie') ?? '').split(';')[0];
}

describe('studio API', () => {
  let server: { aspa: Aspa; base: string };
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'aspa-studio-users-'));
    const users = path.join(dir, 'users.json');
    writeFileSync(users, JSON.stringify([
      { name: 'Dina', passwordHash: await hashPassword('designer-password-1'), roles: ['designer'] },
      { name: 'Aki', passwordHash: await hashPassword('agent-password-12'), roles: ['agent'] },
    ]));
    server = await startTestServer({ env: { AGENT_USERS_FILE: users, AGENT_TOKEN: '' } });
  });
  afterAll(async () => {
    await server.aspa.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is for designers only: the page sends others to the login, an agent login gets 403', async () => {
    expect((await fetch(`${server.base}/studio`, { redirect: 'manual' })).status).toBe(303);
    const agent = await login(server.base, 'Aki', 'agent-password-12');
    expect((await fetch(`${server.base}/studio`, { headers: { Cookie: agent } })).status).toBe(403);
    expect((await fetch(`${server.base}/api/studio/flows`, { headers: { Cookie: agent } })).status).toBe(403);
    const designer = await login(server.base, 'Dina', 'designer-password-1');
    const page = await fetch(`${server.base}/studio`, { headers: { Cookie: designer } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    // A designer without the agent role still has no ticket queue.
    expect((await fetch(`${server.base}/api/agent/tickets`, { headers: { Cookie: designer } })).status).toBe(403);
  });

  it('lists the flows, draws them, shows a state and chats as a web customer or a phone caller', async () => {
    const cookie = await login(server.base, 'Dina', 'designer-password-1');
    const get = (url: string) => fetch(`${server.base}${url}`, { headers: { Cookie: cookie } });
    const flows = await (await get('/api/studio/flows')).json() as { version: string; flows: { id: string; states: number }[] };
    expect(flows.version).toBe(server.aspa.versions.current().id);
    expect(flows.flows.map((flow) => flow.id)).toEqual(['main', 'order']);
    const svg = await (await get('/api/studio/flows/order/diagram.svg')).text();
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain('data-state="ask_number"');
    expect((await get('/api/studio/flows/nope/diagram.svg')).status).toBe(404);

    const state = await (await get('/api/studio/flows/order/states/ask_number')).json() as { yaml: { line: number; text: string }[]; messages: { key: string; locales: Record<string, { text: string[]; voice?: string[] }> }[] };
    expect(state.yaml[0]).toEqual({ line: 4, text: '  ask_number:' });
    expect(state.messages).toEqual([{ key: 'order.ask_number', locales: { fi: { text: ['Tilausnumero? (fi)'], voice: ['Sano tilausnumero. (fi)'] }, en: expect.objectContaining({ text: [expect.any(String)] }) } }]);

    const post = (body: unknown) => fetch(`${server.base}/api/studio/try`, { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: cookie }, body: JSON.stringify(body) });
    const first = await (await post({ locale: 'fi', channel: 'voice', input: { kind: 'text', text: 'tilaus' } })).json() as { conversationId: string; replies: { kind: string; text?: string; voice?: string }[]; nlu: { intent: string; confidence: number }; state: string };
    expect(first.conversationId).toMatch(/^studio-/);
    expect(first.nlu).toEqual(expect.objectContaining({ intent: 'order_status', confidence: 0.9 }));
    expect(first.replies[0]).toEqual(expect.objectContaining({ text: 'Tilausnumero? (fi)', voice: 'Sano tilausnumero. (fi)' }));
    const digits = await (await post({ conversationId: first.conversationId, locale: 'fi', channel: 'voice', input: { kind: 'dtmf', digits: '12345' } })).json() as { replies: { text?: string }[] };
    expect(digits.replies[0].text).toBe('Tilaus 12345: toimitettu (fi)');
    expect((await post({ locale: 'xx', channel: 'web', input: { kind: 'start' } })).status).toBe(400);
    expect((await post({ conversationId: 'someone-elses', locale: 'fi', channel: 'web', input: { kind: 'start' } })).status).toBe(400);
  });
});

describe('flow diagram', () => {
  const source = ['id: demo', 'start: ask', 'states:', '  ask:', '    ask: demo.q', '    on_intent: { "yes": done }', '    otherwise: nowhere', '  done:', '    end: resolved', ''].join('\n');
  const flow = parseFlowSource(source, 'demo.yaml').flow?.flow;

  it('draws every state, the edges and the end, and puts a problem on its state with the fix', () => {
    if (!flow) throw new Error('fixture did not parse');
    const problems = problemsByState(flow, source, [{ file: 'demo.yaml', line: 7, column: 16, rule: 'unknown-target', severity: 'error', message: 'goes to "nowhere"', hint: 'use <done>' }]);
    expect(problems).toEqual([expect.objectContaining({ state: 'ask', line: 7 })]);
    const svg = renderFlowDiagram(flow, problems);
    expect(svg).toContain('data-state="ask"');
    expect(svg).toContain('data-state="done"');
    expect(svg).toContain('data-from="ask" data-to="done"');
    expect(svg).toContain('data-to="__end"');
    expect(svg).toContain('has-error');
    // Text from the files is escaped.
    expect(svg).toContain('Fix: use &lt;done&gt;');
    expect(svg).not.toContain('<done>');
  });
});
