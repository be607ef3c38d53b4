import * as path from 'node:path';
import { main } from '../../src/cli';
import { loadConfig } from '../../src/config/load-config';
import { createAspa } from '../../src/server/composition';
import { createMemoryStores } from '../../src/stores/memory/create-memory-stores';
import { BotLoadError } from '../../src/server/load-bot';

const ROOT = path.resolve(__dirname, '..', '..');
const BROKEN = path.join(ROOT, 'test/flows/fixtures/five-mistakes');

describe('a broken flow', () => {
  it('stops the server from starting, with every problem listed', async () => {
    const config = loadConfig({ ASPA_FLOWS_DIR: BROKEN, ASPA_LOCALES_DIR: path.join(ROOT, 'locales'), ASPA_DATA_DIR: path.join(ROOT, 'data'), LOG_LEVEL: 'silent' }, ROOT);
    const stores = createMemoryStores();
    let failure: unknown;
    try {
      await createAspa(config, { stores });
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(BotLoadError);
    // The fixture's five mistakes, plus message keys the demo locales do not have: all listed at once.
    const rules = new Set((failure as BotLoadError).diagnostics.filter((d) => d.severity === 'error').map((d) => d.rule));
    expect([...rules]).toEqual(expect.arrayContaining(['missing-message', 'unknown-entity', 'unknown-intent', 'unknown-target', 'unknown-integration']));
    expect((failure as Error).message).toMatch(/five-mistakes\/order_status\.yaml:\d+:\d+ error/);
    await stores.close();
  });

  it('makes `aspa validate` exit non-zero and print file:line:column lines', async () => {
    const lines: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((line: string) => { lines.push(line); });
    try {
      expect(await main(['validate', '--flows', BROKEN])).toBe(1);
    } finally {
      log.mockRestore();
    }
    const errors = lines.filter((line) => /^test\/flows\/fixtures\/five-mistakes\/\w+\.yaml:\d+:\d+ error \[/.test(line));
    expect(errors.length).toBeGreaterThanOrEqual(5);
    expect(lines[lines.length - 1]).toBe(`${errors.length} error(s), 0 warning(s).`);
  });
});
