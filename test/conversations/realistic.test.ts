import * as path from 'node:path';
import { loadConfig } from '../../src/config/load-config';
import { createIntegrations, loadBotFor } from '../../src/server/composition';
import { loadConversationScripts } from '../../src/testing/conversation-script';
import { createScriptHarness, DEFAULT_SCRIPT_TIME, runConversationScript } from '../../src/testing/run-conversation-script';

// The realistic corpus (issue 8): conversations written as customers write, each expectation being what a good human
// agent would do. heldout/ is kept out of tuning. The scripts run when ASPA_REALISTIC=1; the well-formedness check
// always runs. `aspa eval test/conversations/realistic` reports the pass rate per language and kind.
const root = path.resolve(__dirname, '..', '..');
const folder = path.join(__dirname, 'realistic');
const { scripts, problems } = loadConversationScripts([folder], { recursive: true });
const enabled = process.env.ASPA_REALISTIC === '1';

describe('realistic conversation corpus', () => {
  it('is well-formed, and every script says what it exercises', () => {
    expect(problems).toEqual([]);
    expect(scripts.filter((script) => !script.kinds?.length).map((script) => script.file)).toEqual([]);
  });

  const run = enabled ? describe : describe.skip;
  run('scripts (ASPA_REALISTIC=1)', () => {
    const config = loadConfig({ ASPA_FLOWS_DIR: path.join(root, 'flows'), ASPA_LOCALES_DIR: path.join(root, 'locales'), ASPA_DATA_DIR: path.join(root, 'data') }, root);
    const loaded = enabled ? loadBotFor(config) : undefined;
    const integrations = createIntegrations(config);
    it.each(scripts.map((script) => [`${path.relative(folder, script.file)}: ${script.name}`, script] as const))('%s', async (_name, script) => {
      const harness = createScriptHarness(loaded!, integrations, Date.parse(script.clock ?? DEFAULT_SCRIPT_TIME));
      const result = await runConversationScript(script, harness);
      await harness.stores.close();
      if (!result.passed) throw new Error(`${result.failures.join('\n')}\n\n${result.log.join('\n')}`);
    });
  });
});
