import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createNlu } from '../../src/nlu/create-nlu';
import { loadNluData } from '../../src/nlu/load-nlu-data';

/**
 * Finnish phrases written for this test in inflected forms the demo bot's training data does not contain
 * (`heldout/fi.jsonl`): the demo NLU must understand at least 95 % of them.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const lines = fs.readFileSync(path.join(__dirname, 'heldout', 'fi.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { text: string; intent: string });

describe('demo NLU on held-out Finnish', () => {
  const data = loadNluData(path.join(ROOT, 'locales'), ['fi', 'en', 'sv']);
  const nlu = createNlu(data, { cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), 'aspa-heldout-')) });

  it('uses phrases that are not in the training data', () => {
    const trainingText = ['nlu.yaml', 'faq.yaml'].map((file) => fs.readFileSync(path.join(ROOT, 'locales/fi', file), 'utf8')).join('\n');
    const trained = new Set(trainingText.toLowerCase().split('\n').map((line) => line.replace(/^\s*-\s*/, '').trim()));
    for (const line of lines) expect(trained.has(line.text.toLowerCase())).toBe(false);
  });

  it('understands at least 95 % of them', () => {
    const wrong = lines.filter((line) => nlu.understand(line.text, { locale: 'fi' }).intent !== line.intent)
      .map((line) => `${line.text} → ${nlu.understand(line.text, { locale: 'fi' }).intent} (expected ${line.intent})`);
    const accuracy = (lines.length - wrong.length) / lines.length;
    if (accuracy < 0.95) throw new Error(`accuracy ${(accuracy * 100).toFixed(1)} %:\n${wrong.join('\n')}`);
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
  });
});
