import * as path from 'node:path';
import { main } from '../../src/cli';
import { loadConfig } from '../../src/config/load-config';
import { createIntegrations, loadBotFor } from '../../src/server/composition';
import { evaluateConversations, formatEvaluation } from '../../src/testing/evaluate-conversations';

const root = path.resolve(__dirname, '..', '..');
const fixtures = path.join(root, 'test', 'fixtures', 'eval');
const env = { ASPA_FLOWS_DIR: path.join(root, 'flows'), ASPA_LOCALES_DIR: path.join(root, 'locales'), ASPA_DATA_DIR: path.join(root, 'data') };
const config = loadConfig(env, root);
const loaded = loadBotFor(config);
const integrations = createIntegrations(config);

async function runCli(args: string[]): Promise<{ code: number; out: string }> {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  const lines: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => { lines.push(parts.join(' ')); });
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { lines.push(String(chunk)); return true; });
  try {
    const code = await main(args);
    return { code, out: lines.join('\n') };
  } finally {
    log.mockRestore();
    write.mockRestore();
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

describe('evaluateConversations', () => {
  it('runs a folder recursively and reports the pass rate per language and kind, with the first failure', async () => {
    const { report, problems } = await evaluateConversations([path.join(fixtures, 'corpus')], loaded, integrations, { relativeTo: fixtures });
    expect(problems).toEqual([]);
    expect(report).toMatchObject({ total: 2, passed: 1, rate: 0.5 });
    expect(report.byLocale).toEqual({ en: { total: 1, passed: 0, rate: 0 }, fi: { total: 1, passed: 1, rate: 1 } });
    expect(report.byKind).toEqual({ happy_path: { total: 2, passed: 1, rate: 0.5 }, small_talk: { total: 1, passed: 1, rate: 1 } });
    expect(report.failures).toEqual([
      expect.objectContaining({ file: path.join('corpus', 'more', 'wrong-key.en.yaml'), locale: 'en', kinds: ['happy_path'], failure: expect.stringContaining('main.no_such_key') }),
    ]);
    const text = formatEvaluation(report);
    expect(text).toContain('Conversations passed:  50.0 %');
    expect(text).toContain('wrong-key.en.yaml');
  });

  it('reports a malformed script as a problem', async () => {
    const { report, problems } = await evaluateConversations([path.join(fixtures, 'malformed')], loaded, integrations);
    expect(report.total).toBe(0);
    expect(problems).toEqual([expect.stringContaining('bad-step.yaml')]);
  });
});

describe('aspa eval', () => {
  it('prints one JSON line and exits 0 although a script fails', async () => {
    const { code, out } = await runCli(['eval', '--json', path.join(fixtures, 'corpus')]);
    expect(code).toBe(0);
    const report = JSON.parse(out.trim()) as Record<string, unknown>;
    expect(report).toMatchObject({ total: 2, passed: 1, rate: 0.5, byLocale: { fi: { passed: 1 } }, byKind: { happy_path: { total: 2 } } });
    expect(report.failures).toHaveLength(1);
  });

  it('exits 1 when a script is malformed', async () => {
    const { code, out } = await runCli(['eval', path.join(fixtures, 'malformed')]);
    expect(code).toBe(1);
    expect(out).toContain('INVALID');
  });

  it('has --help', async () => {
    const { code, out } = await runCli(['eval', '--help']);
    expect(code).toBe(0);
    expect(out).toContain('Usage: aspa eval');
  });
});
