import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNluEval } from '../../src/nlu/evaluation/run-nlu-eval';
import { readLabelledFile } from '../../src/nlu/evaluation/read-labelled-file';
import { writeLocales } from './nlu-fixtures';

const dir = mkdtempSync(join(tmpdir(), 'aspa-eval-'));
const intents: Record<string, string[]> = {
  order_status: ['where is my order', 'track my parcel', 'has my order shipped', 'when does my package arrive', 'order status please', 'my delivery is late'],
  billing: ['my bill is wrong', 'i was charged twice', 'invoice is too high', 'refund my payment', 'wrong amount on invoice', 'dispute a charge'],
  password: ['i forgot my password', 'reset my password', 'cannot log in', 'my account is locked', 'change password', 'login does not work'],
};
const trainLines = Object.entries(intents).flatMap(([intent, texts]) => texts.map((text) => ({ text, intent })))
  .concat([{ text: 'tell me a joke', intent: 'oos' }, { text: 'what is the weather', intent: 'oos' }]);
const testLines = [
  { text: 'where is my parcel', intent: 'order_status' }, { text: 'charged twice on my bill', intent: 'billing' },
  { text: 'forgot password', intent: 'password' }, { text: 'who won the football match', intent: 'oos' },
];
const jsonl = (lines: { text: string; intent: string }[]) => lines.map((line) => JSON.stringify(line)).join('\n') + '\n';
const csv = (lines: { text: string; intent: string }[]) => 'text,intent\n' + lines.map((line) => `"${line.text.replace(/"/g, '""')}",${line.intent}`).join('\n');
writeFileSync(join(dir, 'train.jsonl'), jsonl(trainLines));
writeFileSync(join(dir, 'test.jsonl'), jsonl(testLines));
writeFileSync(join(dir, 'train.csv'), csv(trainLines));
writeFileSync(join(dir, 'test.csv'), csv(testLines));
writeFileSync(join(dir, 'bad.jsonl'), '{"text": "ok", "intent": "a"}\n{"text": 5}\n');

async function run(args: string[], localesDir = dir): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runNluEval(args, (line) => lines.push(line), { localesDir });
  return { code, lines };
}

describe('aspa nlu eval', () => {
  test('--json prints one object with the agreed keys (JSONL)', async () => {
    const { code, lines } = await run(['--train', join(dir, 'train.jsonl'), '--test', join(dir, 'test.jsonl'), '--json']);
    expect(code).toBe(0);
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]) as Record<string, number>;
    expect(Object.keys(result).sort()).toEqual(['accuracy', 'macroF1', 'oosPrecision', 'oosRecall', 'p50Us', 'p99Us', 'trainMs'].sort());
    expect(result.accuracy).toBeGreaterThanOrEqual(0);
    expect(result.accuracy).toBeLessThanOrEqual(1);
  });

  test('CSV works the same, with a validation file and --lang', async () => {
    const { code, lines } = await run([`--train=${join(dir, 'train.csv')}`, '--test', join(dir, 'test.csv'), '--val', join(dir, 'test.csv'), '--lang', 'en']);
    expect(code).toBe(0);
    const text = lines.join('\n');
    expect(text).toMatch(/in-scope accuracy/);
    expect(text).toMatch(/out-of-scope recall/);
    expect(text).toMatch(/from the validation file/);
    expect(text).toMatch(/p99/);
  });

  test('reads CSV with quoted commas and skips the header', () => {
    writeFileSync(join(dir, 'quoted.csv'), 'text,intent\n"hello, there",greet\nplain text,other\n');
    expect(readLabelledFile(join(dir, 'quoted.csv'))).toEqual([{ text: 'hello, there', intent: 'greet' }, { text: 'plain text', intent: 'other' }]);
  });

  test.each([
    [['--train', 'x.jsonl'], /--train and --test go together/],
    [['--lang', 'de'], /--lang must be one of/],
    [['--bogus'], /unknown argument/],
    [['--train'], /needs a file name/],
  ])('bad arguments exit 2 with the usage (%#)', async (args, message) => {
    const { code, lines } = await run(args as string[]);
    expect(code).toBe(2);
    expect(lines.join('\n')).toMatch(message);
    expect(lines.join('\n')).toMatch(/usage: aspa nlu eval/);
  });

  test('a bad file names file and line, exit 1', async () => {
    const { code, lines } = await run(['--train', join(dir, 'bad.jsonl'), '--test', join(dir, 'test.jsonl')]);
    expect(code).toBe(1);
    expect(lines.join('\n')).toContain('bad.jsonl:2');
    const missing = await run(['--train', join(dir, 'nope.jsonl'), '--test', join(dir, 'test.jsonl')]);
    expect(missing.code).toBe(1);
    expect(missing.lines.join('\n')).toMatch(/cannot read the file/);
  });

  test('without files it cross-validates the project locales and lists confused pairs', async () => {
    const { code, lines } = await run(['--folds', '3'], writeLocales());
    expect(code).toBe(0);
    expect(lines.filter((line) => /^(fi|en|sv): 3-fold cross-validation/.test(line))).toHaveLength(3);
    const json = await run(['--folds', '3', '--lang', 'fi', '--json'], writeLocales());
    const parsed = JSON.parse(json.lines[0]) as Record<string, { accuracy: number; confusedPairs: unknown[] }>;
    expect(parsed.fi.accuracy).toBeGreaterThan(0.5);
    expect(Array.isArray(parsed.fi.confusedPairs)).toBe(true);
  });
});
