import * as path from 'node:path';
import { loadConfig } from '../../src/config/load-config';
import { createIntegrations, loadBotFor } from '../../src/server/composition';
import { loadConversationScripts } from '../../src/testing/conversation-script';
import { createScriptHarness, DEFAULT_SCRIPT_TIME, runConversationScript } from '../../src/testing/run-conversation-script';

// Every scripted conversation in this folder and its subfolders runs through the real engine, NLU and demo flows.
// The realistic corpus (realistic/) has its own test file, realistic.test.ts.
const root = path.resolve(__dirname, '..', '..');
const config = loadConfig({ ASPA_FLOWS_DIR: path.join(root, 'flows'), ASPA_LOCALES_DIR: path.join(root, 'locales'), ASPA_DATA_DIR: path.join(root, 'data') }, root);
const { scripts, problems } = loadConversationScripts([__dirname], { recursive: true, exclude: ['realistic'] });
const loaded = loadBotFor(config);
const integrations = createIntegrations(config);

describe('conversation scripts', () => {
  it('are all well-formed', () => {
    expect(problems).toEqual([]);
    expect(scripts.length).toBeGreaterThan(0);
  });

  it.each(scripts.map((script) => [`${path.relative(__dirname, script.file)}: ${script.name}`, script] as const))('%s', async (_name, script) => {
    const harness = createScriptHarness(loaded, integrations, Date.parse(script.clock ?? DEFAULT_SCRIPT_TIME));
    const result = await runConversationScript(script, harness);
    await harness.stores.close();
    if (!result.passed) throw new Error(`${result.failures.join('\n')}\n\n${result.log.join('\n')}`);
  });
});
