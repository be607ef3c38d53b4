import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../src/config/load-config';
import { loadBotFor } from '../../src/server/composition';

const ROOT = resolve(__dirname, '..', '..');

describe('NLU_OOS_THRESHOLD reaches the running bot', () => {
  // One data dir: the second load reads the model the first one trained, so only the threshold differs.
  const env = { ASPA_LOCALES: 'fi', ASPA_DEFAULT_LOCALE: 'fi', ASPA_DATA_DIR: mkdtempSync(join(tmpdir(), 'aspa-oos-threshold-')) };

  test('the configured threshold replaces the calibrated one', () => {
    const calibrated = loadBotFor(loadConfig(env, ROOT));
    expect(calibrated.nlu.understand('missä tilaukseni on', { locale: 'fi' }).intent).toBe('order_status');
    const strict = loadBotFor(loadConfig({ ...env, NLU_OOS_THRESHOLD: 'fi=1' }, ROOT));
    const result = strict.nlu.understand('missä tilaukseni on', { locale: 'fi' });
    expect(result.intent).toBe('oos');
    expect(result.ranking[0].intent).toBe('order_status');
  });
});
