import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNluEval } from '../../src/nlu/evaluation/run-nlu-eval';
import { readLabelledFile } from '../../src/nlu/evaluation/read-labelled-file';
import type { Locale } from '../../src/core/turn';
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
const valLines = [
  { text: 'where is my package', intent: 'order_status' }, { text: 'wrong invoice amount', intent: 'billing' },
  { text: 'password reset please', intent: 'password' }, { text: 'sing me a song', intent: 'oos' },
  { text: 'what is the capital of france', intent: 'oos' }, { text: 'how tall is mount everest', intent: 'oos' },
];
writeFileSync(join(dir, 'val.jsonl'), jsonl(valLines));
writeFileSync(join(dir, 'val-no-oos.jsonl'), jsonl(valLines.filter((line) => line.intent !== 'oos')));
// One test line is a training line with another label, one is a training line reordered.
writeFileSync(join(dir, 'leaky-test.jsonl'), jsonl([...testLines, { text: 'Reset my password!', intent: 'billing' }, { text: 'order my where is', intent: 'order_status' }]));

interface FileJson {
  accuracy: number; oosRecall: number | null; ece: number; threshold: number; thresholdSource: string;
  thresholdRule: { kind: string; target?: number; reached?: number };
  curve: { threshold: number; accuracy: number; oosRecall: number }[];
  warnings: { kind: string; count: number; exact?: number; near?: number; otherIntent?: number; examples: unknown[] }[];
}

async function run(args: string[], localesDir = dir, oosThreshold?: Partial<Record<Locale, number>>): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runNluEval(args, (line) => lines.push(line), { localesDir, oosThreshold });
  return { code, lines };
}

describe('aspa nlu eval', () => {
  test('--json prints one object with the agreed keys (JSONL)', async () => {
    const { code, lines } = await run(['--train', join(dir, 'train.jsonl'), '--test', join(dir, 'test.jsonl'), '--json']);
    expect(code).toBe(0);
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]) as Record<string, number>;
    const agreed = ['accuracy', 'macroF1', 'oosPrecision', 'oosRecall', 'p50Us', 'p99Us', 'trainMs'];
    expect(Object.keys(result).sort()).toEqual([...agreed, 'ece', 'threshold', 'thresholdSource', 'thresholdRule', 'curve', 'warnings'].sort());
    for (const key of agreed) expect(typeof result[key]).toBe('number');
    expect(result.accuracy).toBeGreaterThanOrEqual(0);
    expect(result.accuracy).toBeLessThanOrEqual(1);
  });

  test('reports calibration and an accuracy / oos recall curve that agrees with the headline scores', async () => {
    const { lines } = await run(['--train', join(dir, 'train.jsonl'), '--test', join(dir, 'val.jsonl'), '--json']);
    const result = JSON.parse(lines[0]) as FileJson;
    expect(result.ece).toBeGreaterThanOrEqual(0);
    expect(result.ece).toBeLessThanOrEqual(1);
    expect(result.thresholdSource).toBe('training data');
    expect(result.thresholdRule).toEqual({ kind: 'accuracy' });
    const thresholds = result.curve.map((point) => point.threshold);
    expect(thresholds).toEqual([...thresholds].sort((a, b) => a - b));
    const chosen = result.curve.find((point) => point.threshold === result.threshold);
    expect(chosen).toEqual({ threshold: result.threshold, accuracy: result.accuracy, oosRecall: result.oosRecall });
    // Raising the threshold trades in-scope accuracy for out-of-scope recall, never the other way.
    for (let at = 1; at < result.curve.length; at++) {
      expect(result.curve[at].accuracy).toBeLessThanOrEqual(result.curve[at - 1].accuracy);
      expect(result.curve[at].oosRecall).toBeGreaterThanOrEqual(result.curve[at - 1].oosRecall);
    }
    expect(Math.max(...result.curve.map((point) => point.oosRecall))).toBeGreaterThanOrEqual(0.9);
    const human = (await run(['--train', join(dir, 'train.jsonl'), '--test', join(dir, 'val.jsonl')])).lines.join('\n');
    expect(human).toMatch(/calibration +ECE \d\.\d{3} \(15 bins, 6 lines\)/);
    expect(human).toMatch(/in-scope accuracy vs out-of-scope recall by threshold:\n( {2}\d\.\d{3} {2}accuracy .*\n)+/);
    expect(human).toMatch(/← chosen/);
  });

  test('no curve when the test set has no oos lines', async () => {
    const { lines } = await run(['--train', join(dir, 'train.jsonl'), '--test', join(dir, 'val-no-oos.jsonl'), '--json']);
    expect((JSON.parse(lines[0]) as FileJson).curve).toEqual([]);
  });

  test('--oos-recall picks the lowest threshold reaching that recall on the validation file', async () => {
    const base = ['--train', join(dir, 'train.jsonl'), '--test', join(dir, 'test.jsonl'), '--val', join(dir, 'val.jsonl'), '--json'];
    const all = JSON.parse((await run([...base, '--oos-recall', '1'])).lines[0]) as FileJson;
    expect(all.thresholdSource).toBe('validation file');
    expect(all.thresholdRule).toEqual({ kind: 'oos-recall', target: 1, reached: 1 });
    const none = JSON.parse((await run([...base, '--oos-recall=0'])).lines[0]) as FileJson;
    expect(none.thresholdRule).toMatchObject({ kind: 'oos-recall', target: 0 });
    expect(none.threshold).toBe(0);
    expect(all.threshold).toBeGreaterThan(none.threshold);
    // Rejecting every oos line of the validation file rejects the test file's one too.
    expect(all.oosRecall).toBe(1);
    const human = (await run(base.filter((arg) => arg !== '--json').concat('--oos-recall', '0.6'))).lines.join('\n');
    expect(human).toMatch(/out-of-scope threshold \d\.\d{3} \(from the validation file: the lowest that rejects ≥ 60\.0 % of the oos lines there; it rejects (66\.7|100\.0) %\)/);
  });

  test('--oos-recall without --val cross-validates the training file', async () => {
    const { code, lines } = await run(['--train', join(dir, 'train.jsonl'), '--test', join(dir, 'test.jsonl'), '--oos-recall', '0.5', '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(lines[0]) as FileJson;
    expect(result.thresholdSource).toBe('training data');
    expect(result.thresholdRule.kind).toBe('oos-recall');
    expect(result.thresholdRule.reached).toBeGreaterThanOrEqual(0.5);
  });

  test('--oos-recall needs oos lines where the threshold is chosen, and a share from 0 to 1', async () => {
    const missing = await run(['--train', join(dir, 'train.jsonl'), '--test', join(dir, 'test.jsonl'), '--val', join(dir, 'val-no-oos.jsonl'), '--oos-recall', '0.8']);
    expect(missing.code).toBe(1);
    expect(missing.lines.join('\n')).toMatch(/--oos-recall needs lines labelled oos in .*val-no-oos\.jsonl/);
    const bad = await run(['--train', join(dir, 'train.jsonl'), '--test', join(dir, 'test.jsonl'), '--oos-recall', '80']);
    expect(bad.code).toBe(2);
    expect(bad.lines.join('\n')).toMatch(/--oos-recall must be a number from 0 to 1/);
  });

  test('warns about test lines that are in the training file, and about a validation file that is the test file', async () => {
    const { lines } = await run(['--train', join(dir, 'train.jsonl'), '--test', join(dir, 'leaky-test.jsonl'), '--json']);
    const result = JSON.parse(lines[0]) as FileJson;
    expect(result.warnings).toEqual([expect.objectContaining({ kind: 'test-in-train', count: 2, exact: 1, near: 1, otherIntent: 1 })]);
    expect(result.warnings[0].examples[0]).toEqual({ test: 'Reset my password!', testIntent: 'billing', train: 'reset my password', trainIntent: 'password' });
    const clean = JSON.parse((await run(['--train', join(dir, 'train.jsonl'), '--test', join(dir, 'test.jsonl'), '--json'])).lines[0]) as FileJson;
    expect(clean.warnings).toEqual([]);
    const human = await run(['--train', join(dir, 'train.jsonl'), '--test', join(dir, 'leaky-test.jsonl'), '--val', join(dir, 'leaky-test.jsonl')]);
    const text = human.lines.join('\n');
    expect(text).toMatch(/warning: 2 test line\(s\) \(33\.3 %\) are in the training file: 1 exact, 1 near duplicates/);
    expect(text).toContain('"Reset my password!" (billing) ~ "reset my password" (password)');
    expect(text).toMatch(/warning: every test line is in the validation file/);
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
    [['--oos-recall', 'most'], /--oos-recall must be a number from 0 to 1/],
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

  interface ProjectJson {
    accuracy: number; ece: number; lines: number;
    bot: { threshold: number; source: string; accuracy: number; oosRecall: number | null };
    curve: { threshold: number; accuracy: number; oosRecall: number }[];
    forOosRecall?: { threshold: number; accuracy: number; oosRecall: number } | null;
    warnings: { kind: string; count: number; examples: { text: string; intents: string[] }[] }[];
  }

  test('project mode shows calibration and the threshold the bot would use, with what it gives in cross-validation', async () => {
    const locales = writeLocales();
    const calibrated = JSON.parse((await run(['--folds', '3', '--lang', 'fi', '--json'], locales)).lines[0]) as Record<string, ProjectJson>;
    expect(calibrated.fi.ece).toBeGreaterThanOrEqual(0);
    expect(calibrated.fi.ece).toBeLessThanOrEqual(1);
    expect(calibrated.fi.bot.source).toBe('calibrated');
    expect(calibrated.fi.curve.some((point) => point.threshold === calibrated.fi.bot.threshold)).toBe(true);
    expect(calibrated.fi.warnings).toEqual([]);
    // A designer's threshold of 1 rejects everything: every oos line caught, no in-scope line answered.
    const strict = JSON.parse((await run(['--folds', '3', '--lang', 'fi', '--json'], locales, { fi: 1 })).lines[0]) as Record<string, ProjectJson>;
    expect(strict.fi.bot).toEqual({ threshold: 1, source: 'NLU_OOS_THRESHOLD', accuracy: 0, oosRecall: 1 });
    expect(strict.fi.accuracy).toBe(calibrated.fi.accuracy); // the folds' own thresholds are unchanged
    const human = (await run(['--folds', '3', '--lang', 'fi'], locales, { fi: 0.5 })).lines.join('\n');
    expect(human).toMatch(/ {2}calibration: ECE \d\.\d{3} \(15 bins, \d+ lines\)/);
    expect(human).toMatch(/ {2}bot threshold 0\.500 \(NLU_OOS_THRESHOLD\): in-scope accuracy \d+\.\d %, out-of-scope recall \d+\.\d % in cross-validation/);
    expect(human).toMatch(/0\.500 +accuracy .*← bot/);
  });

  test('project mode --oos-recall suggests an NLU_OOS_THRESHOLD that reaches it', async () => {
    const { lines } = await run(['--folds', '3', '--lang', 'fi', '--oos-recall', '0.75', '--json'], writeLocales());
    const result = (JSON.parse(lines[0]) as Record<string, ProjectJson>).fi;
    expect(result.forOosRecall?.oosRecall).toBeGreaterThanOrEqual(0.75);
    expect(result.forOosRecall?.threshold).toBe(Math.round((result.forOosRecall?.threshold ?? 0) * 1000) / 1000);
    const human = (await run(['--folds', '3', '--lang', 'fi', '--oos-recall', '0.75'], writeLocales())).lines.join('\n');
    expect(human).toMatch(/for ≥ 75\.0 % out-of-scope recall: threshold (\d\.\d{3}) .*; to use it: NLU_OOS_THRESHOLD=fi=\1/);
  });

  test('project mode warns about training lines under two intents, oos and FAQ questions included', async () => {
    const locales = writeLocales({
      'en/nlu.yaml': `intents:
  order_status: [where is my order, track my parcel, has my order shipped, when does my package arrive, order status]
  billing: [my bill is wrong, i was charged twice, invoice is too high, refund my payment, "Where is my order?"]
  small_talk: [how are you, tell me a joke, are you a robot, nice to meet you, good morning]
oos: [Tell me a joke!, what is the weather, who won the match]
`,
      'en/faq.yaml': `- id: opening_hours
  questions: [when are you open, opening hours, are you open on sunday, track my parcel]
  answer: We are open 8-18.
`,
    });
    const { lines } = await run(['--folds', '3', '--lang', 'en', '--json'], locales);
    const warnings = (JSON.parse(lines[0]) as Record<string, ProjectJson>).en.warnings;
    expect(warnings).toHaveLength(1);
    expect(warnings[0].kind).toBe('label-conflict');
    expect(warnings[0].count).toBe(3);
    expect(warnings[0].examples.map((example) => example.intents)).toEqual([['billing', 'order_status'], ['faq.opening_hours', 'order_status'], ['oos', 'small_talk']]);
    const human = (await run(['--folds', '3', '--lang', 'en'], locales)).lines.join('\n');
    expect(human).toMatch(/ {2}warning: 3 training line\(s\) appear under two or more intents/);
    expect(human).toContain('"tell me a joke": oos, small_talk');
  });
});
