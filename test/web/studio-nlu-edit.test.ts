import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Aspa } from '../../src/server/composition';
import { loadMiniBotFrom, MINI_BOT_DIR } from '../support/mini-bot';
import { startTestServer } from '../support/start-test-server';

const INTENTS = ['order_status', 'human_agent', 'restart', 'change_language', 'goodbye', 'yes', 'no'];

/** A copy of the mini bot with NLU data, so the studio's validation (the real one, as a reload does) passes. */
function copyBot(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'aspa-studio-nlu-'));
  cpSync(MINI_BOT_DIR, dir, { recursive: true });
  for (const locale of ['fi', 'en']) {
    const messages = path.join(dir, 'locales', locale, 'messages.yaml');
    writeFileSync(messages, readFileSync(messages, 'utf8')
      .replace('\nsystem:\n', `\nsystem:\n  back_to_question: "Takaisin (${locale})"\n`)
      .replace('\nsurvey:\n', `\nsurvey:\n  reprompt: "1-5 (${locale})"\n  skipped: "Ohitettu (${locale})"\n`));
    writeFileSync(path.join(dir, 'locales', locale, 'nlu.yaml'), [
      `# ${locale}: training data of the test bot`,
      'intents:',
      ...INTENTS.flatMap((intent) => [`  ${intent}:`, `    - ${intent.replace('_', ' ')} ${locale} one`, `    - ${intent.replace('_', ' ')} ${locale} two`]),
      '',
    ].join('\n'));
  }
  return dir;
}

describe('studio NLU and FAQ editing over HTTP', () => {
  let dir: string;
  let server: { aspa: Aspa; base: string };
  let cookie: string;
  beforeAll(async () => {
    dir = copyBot();
    server = await startTestServer({
      env: { ASPA_FLOWS_DIR: path.join(dir, 'flows'), ASPA_LOCALES_DIR: path.join(dir, 'locales'), ASPA_DATA_DIR: path.join(dir, 'data') },
      loaded: loadMiniBotFrom(dir),
      loadBot: () => loadMiniBotFrom(dir),
    });
    const login = await fetch(`${server.base}/api/agent/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'Dina', password: 'agent-secret-token' }) });
    cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  });
  afterAll(async () => {
    await server.aspa.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const post = async (url: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.base}${url}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: cookie, ...headers }, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() as Record<string, unknown> & { content: string; problems: unknown[]; diff: { kind: string; text: string }[] } };
  };
  const nluFile = () => path.join(dir, 'locales', 'fi', 'nlu.yaml');

  it('adds an example: preview with a diff, save, the file has one new line, and the bot reloads as a new version', async () => {
    const before = readFileSync(nluFile(), 'utf8');
    const version = server.aspa.versions.current().id;
    const edit = { locale: 'fi', intent: 'order_status', add: ['missä mun paketti on'] };
    const preview = await post('/api/studio/examples/preview', edit);
    expect(preview.status).toBe(200);
    expect(preview.body.problems).toEqual([]);
    expect(preview.body.diff.filter((line) => line.kind === 'added').map((line) => line.text)).toEqual(['    - missä mun paketti on']);
    const saved = await post('/api/studio/examples/save', { ...edit, content: preview.body.content });
    expect(saved.status).toBe(200);
    expect(saved.body.reload).toEqual(expect.objectContaining({ status: 'activated' }));
    expect(readFileSync(nluFile(), 'utf8')).toBe(before.replace('    - order status fi two\n', '    - order status fi two\n    - missä mun paketti on\n'));
    expect(server.aspa.versions.current().id).not.toBe(version);
    const view = await (await fetch(`${server.base}/api/studio/nlu/fi`, { headers: { Cookie: cookie } })).json() as { intents: { intent: string; examples: string[] }[] };
    expect(view.intents.find((intent) => intent.intent === 'order_status')?.examples).toContain('missä mun paketti on');
  });

  it('edits an FAQ answer and its questions', async () => {
    const answer = await post('/api/studio/faq/preview', { locale: 'fi', id: 'opening_hours', text: ['Olemme auki 9–17 (fi)'] });
    expect(answer.body.problems).toEqual([]);
    expect((await post('/api/studio/faq/save', { locale: 'fi', id: 'opening_hours', text: ['Olemme auki 9–17 (fi)'], content: answer.body.content })).status).toBe(200);
    expect(server.aspa.versions.current().catalog.get('fi', 'faq.opening_hours')).toEqual({ text: ['Olemme auki 9–17 (fi)'] });
    const questions = await post('/api/studio/examples/preview', { locale: 'fi', intent: 'faq.opening_hours', add: ['milloin olette auki'] });
    expect((await post('/api/studio/examples/save', { locale: 'fi', intent: 'faq.opening_hours', add: ['milloin olette auki'], content: questions.body.content })).status).toBe(200);
    expect(readFileSync(path.join(dir, 'locales', 'fi', 'faq.yaml'), 'utf8')).toContain('questions: [aukioloajat, milloin olette auki]');
  });

  it('refuses to save while the bot would not validate, and refuses bad requests', async () => {
    const before = readFileSync(nluFile(), 'utf8');
    // Someone broke the English data on disk: the whole bot is checked, so an edit of the Finnish data is refused too.
    const english = path.join(dir, 'locales', 'en', 'nlu.yaml');
    const good = readFileSync(english, 'utf8');
    writeFileSync(english, `${good}examples: [misplaced]\n`);
    try {
      const edit = { locale: 'fi', intent: 'yes', add: ['joo'] };
      const preview = await post('/api/studio/examples/preview', edit);
      expect(preview.status).toBe(200);
      expect(preview.body.problems).toEqual([expect.objectContaining({ rule: 'nlu-data', message: expect.stringContaining('unknown key "examples"') })]);
      const refused = await post('/api/studio/examples/save', { ...edit, content: preview.body.content });
      expect(refused.status).toBe(422);
      expect(refused.body.error).toBe('would_not_validate');
    } finally {
      writeFileSync(english, good);
    }
    const emptied = await post('/api/studio/examples/preview', { locale: 'fi', intent: 'goodbye', remove: ['goodbye fi one', 'goodbye fi two'] });
    expect(emptied.status).toBe(422);
    expect(emptied.body.error).toBe('invalid_example');
    expect((await post('/api/studio/examples/preview', { locale: 'fi', intent: 'nope', add: ['x'] })).status).toBe(404);
    expect((await post('/api/studio/examples/preview', { locale: 'xx', intent: 'yes', add: ['x'] })).status).toBe(400);
    expect((await post('/api/studio/examples/save', { locale: 'fi', intent: 'yes', add: ['x'] })).body.error).toBe('preview_first');
    expect((await post('/api/studio/examples/save', { locale: 'fi', intent: 'yes', add: ['x'], content: 'stale' })).body.error).toBe('changed_since_preview');
    expect((await post('/api/studio/examples/preview', { locale: 'fi', intent: 'yes', add: ['x'] }, { Origin: 'https://evil.example' })).status).toBe(403);
    expect((await fetch(`${server.base}/api/studio/nlu/fi`)).status).toBe(401);
    expect(readFileSync(nluFile(), 'utf8')).toBe(before);
  });
});
