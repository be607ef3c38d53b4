/**
 * `npm run bench:nlu`: our intent classifier against natural's BayesClassifier and node-nlp on the same CLINC150
 * split (from ../shared/datasets/clinc150 next to the repository). With a `test.jsonl` there it runs the published
 * protocol: train on train.jsonl, threshold from val.jsonl, test on test.jsonl; without one it tests on val.jsonl
 * with the threshold from cross-validation of the training data. A `../shared/datasets/banking77/` folder with
 * train.jsonl and test.jsonl adds Banking77 (no validation split: nothing is rejected).
 * Prints the tables and writes them into docs/benchmarks.md between the nlu-bench markers.
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { OUT_OF_SCOPE } from '../src/core/nlu';
import { evaluateSplit } from '../src/nlu/evaluation/evaluate-split';
import { readLabelledFile } from '../src/nlu/evaluation/read-labelled-file';
import { quantile, scorePredictions, type Prediction } from '../src/nlu/evaluation/score-predictions';
import type { LabelledText } from '../src/nlu/intent-classifier';

const repoRoot = resolve(__dirname, '..');
const datasetDir = resolve(repoRoot, '../shared/datasets/clinc150');
const banking77Dir = resolve(repoRoot, '../shared/datasets/banking77');
const docsFile = join(repoRoot, 'docs', 'benchmarks.md');
const START = '<!-- nlu-bench:start -->';
const END = '<!-- nlu-bench:end -->';
const load = createRequire(__filename);

interface Row {
  system: string;
  accuracy: number;
  oosRecall: number | null;
  topOne: number;
  macroF1: number;
  trainS: number;
  trainCpuS: number;
  p50Us: number;
  p99Us: number;
  p99CpuUs: number;
}

/** Wall and CPU time of synchronous work. CPU time is what the wall time would be on an idle machine. */
function timeIt<T>(work: () => T): { value: T; ms: number; cpuMs: number } {
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const value = work();
  const used = process.cpuUsage(cpu);
  return { value, ms: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: (used.user + used.system) / 1000 };
}

function rowFrom(system: string, predictions: Prediction[], train: { ms: number; cpuMs: number }, latencies: number[], cpuLatencies: number[]): Row {
  const scores = scorePredictions(predictions);
  return {
    system, accuracy: scores.accuracy, oosRecall: scores.oosRecall, topOne: scores.topOneAccuracy, macroF1: scores.macroF1,
    trainS: train.ms / 1000, trainCpuS: train.cpuMs / 1000, p50Us: quantile(latencies, 0.5), p99Us: quantile(latencies, 0.99),
    p99CpuUs: quantile(cpuLatencies, 0.99),
  };
}

function runOurs(train: LabelledText[], test: LabelledText[], val?: LabelledText[]): Row {
  const report = evaluateSplit(train, test, { locale: 'en', val });
  return {
    system: `aspa (TF-IDF stems + char n-grams, softmax, ${val ? 'threshold from val' : 'CV threshold'})`, accuracy: report.accuracy, oosRecall: report.oosRecall,
    topOne: report.topOneAccuracy, macroF1: report.macroF1, trainS: report.trainMs / 1000, trainCpuS: report.trainCpuMs / 1000,
    p50Us: report.p50Us, p99Us: report.p99Us, p99CpuUs: report.p99CpuUs,
  };
}

interface BayesClassifier {
  addDocument(text: string, label: string): void;
  train(): void;
  getClassifications(text: string): { label: string; value: number }[];
}

function runNaturalBayes(train: LabelledText[], test: LabelledText[]): Row {
  const Bayes = load('natural/lib/natural/classifiers/bayes_classifier') as new () => BayesClassifier;
  const classifier = new Bayes();
  const trained = timeIt(() => {
    for (const example of train) classifier.addDocument(example.text, example.intent);
    classifier.train();
  });
  const latencies: number[] = [];
  const cpuLatencies: number[] = [];
  const predictions = test.map((example) => {
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    const ranked = classifier.getClassifications(example.text);
    latencies.push(Number(process.hrtime.bigint() - started) / 1000);
    cpuLatencies.push(process.cpuUsage(cpu).user);
    const top = ranked.find((entry) => entry.label !== OUT_OF_SCOPE)?.label ?? OUT_OF_SCOPE;
    return { expected: example.intent, predicted: ranked[0]?.label ?? OUT_OF_SCOPE, top };
  });
  return rowFrom('natural BayesClassifier (oos as a class)', predictions, trained, latencies, cpuLatencies);
}

interface NlpManager {
  addDocument(locale: string, text: string, intent: string): void;
  train(): Promise<void>;
  process(locale: string, text: string): Promise<{ intent: string; score: number; classifications: { intent: string; score: number }[] }>;
}

async function runNodeNlp(train: LabelledText[], test: LabelledText[]): Promise<Row> {
  const { NlpManager: Manager } = load('node-nlp') as { NlpManager: new (settings: object) => NlpManager };
  const manager = new Manager({ languages: ['en'], forceNER: false, autoSave: false, autoLoad: false, nlu: { log: false } });
  // nlp.js's own out-of-scope intent is "None".
  for (const example of train) manager.addDocument('en', example.text, example.intent === OUT_OF_SCOPE ? 'None' : example.intent);
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  await manager.train();
  const cpuUsed = process.cpuUsage(cpuStarted);
  const trained = { ms: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: (cpuUsed.user + cpuUsed.system) / 1000 };
  const latencies: number[] = [];
  const cpuLatencies: number[] = [];
  const predictions: Prediction[] = [];
  for (const example of test) {
    const cpu = process.cpuUsage();
    const before = process.hrtime.bigint();
    const result = await manager.process('en', example.text);
    latencies.push(Number(process.hrtime.bigint() - before) / 1000);
    cpuLatencies.push(process.cpuUsage(cpu).user);
    const top = result.classifications.find((entry) => entry.intent !== 'None')?.intent ?? OUT_OF_SCOPE;
    predictions.push({ expected: example.intent, predicted: result.intent === 'None' ? OUT_OF_SCOPE : result.intent, top });
  }
  return rowFrom('node-nlp 4 NlpManager (oos as None, its own threshold)', predictions, trained, latencies, cpuLatencies);
}

const pct = (value: number | null) => (value === null ? 'n/a' : `${(value * 100).toFixed(1)} %`);

function table(rows: Row[]): string {
  const lines = [
    '| system | in-scope accuracy | out-of-scope recall | top-1, no threshold | macro-F1 | training wall (CPU) | p50 | p99 wall (CPU) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((row) => `| ${row.system} | ${pct(row.accuracy)} | ${pct(row.oosRecall)} | ${pct(row.topOne)} | ${row.macroF1.toFixed(3)} | `
      + `${row.trainS.toFixed(1)} s (${row.trainCpuS.toFixed(1)} s) | ${Math.round(row.p50Us)} µs | ${Math.round(row.p99Us)} µs (${Math.round(row.p99CpuUs)} µs) |`),
  ];
  return lines.join('\n');
}

function writeSection(body: string): void {
  const section = `${START}\n${body}\n${END}`;
  mkdirSync(join(repoRoot, 'docs'), { recursive: true });
  if (!existsSync(docsFile)) {
    writeFileSync(docsFile, `# Benchmarks\n\n## NLU: intent classification\n\n${section}\n`);
    return;
  }
  const current = readFileSync(docsFile, 'utf8');
  const startAt = current.indexOf(START);
  const endAt = current.indexOf(END);
  const next = startAt >= 0 && endAt > startAt
    ? current.slice(0, startAt) + section + current.slice(endAt + END.length)
    : `${current.trimEnd()}\n\n## NLU: intent classification\n\n${section}\n`;
  writeFileSync(docsFile, next);
}

async function main(): Promise<number> {
  const trainFile = join(datasetDir, 'train.jsonl');
  const valFile = join(datasetDir, 'val.jsonl');
  const testFile = join(datasetDir, 'test.jsonl');
  if (!existsSync(trainFile) || !existsSync(valFile)) {
    console.error(`bench:nlu: the CLINC150 split is missing: expected ${trainFile} and ${valFile} (../shared/datasets relative to the repository root).`);
    return 1;
  }
  const train = readLabelledFile(trainFile);
  const val = readLabelledFile(valFile);
  const hasTest = existsSync(testFile);
  const test = hasTest ? readLabelledFile(testFile) : val;
  const only = process.argv.slice(2);
  const rows: Row[] = [];
  const want = (name: string) => only.length === 0 || only.includes(name);
  const add = (row: Row) => { rows.push(row); console.log(table([row])); };
  if (want('aspa')) {
    add(runOurs(train, test, hasTest ? val : undefined));
    // Our model with the published protocol's threshold source, measured on val itself: an upper bound, for reference.
    if (!hasTest) add({ ...runOurs(train, val, val), system: 'aspa, threshold chosen on val.jsonl itself (optimistic)' });
  }
  if (want('natural')) add(runNaturalBayes(train, test));
  if (want('node-nlp')) add(await runNodeNlp(train, test));
  const sections = [
    `CLINC150 (Larson et al. 2019), trained on \`train.jsonl\` (15,000 in-scope + 100 out-of-scope lines, 150 intents) and tested on`
      + (hasTest
        ? ` \`test.jsonl\` (4,500 in-scope + 1,000 out-of-scope) with our threshold chosen on \`val.jsonl\`, all systems in the same run.`
        : ` \`val.jsonl\` (3,000 in-scope + 100 out-of-scope; the test split is not on this machine), all systems in the same run; our`
          + ' threshold comes from the training data (cross-validation), not from the test data, except in the row that says otherwise.')
      + ' "In-scope accuracy" counts a line when the top intent is right and is not rejected as out-of-scope.'
      + ` Latency is per utterance, in process. Wall times on this shared 2-core machine include time spent waiting for a core;`
      + ` the CPU figures (process CPU time) are what an idle machine would show.`,
    '',
    table(rows),
  ];
  const bankingTrain = join(banking77Dir, 'train.jsonl');
  const bankingTest = join(banking77Dir, 'test.jsonl');
  if (want('aspa') && existsSync(bankingTrain) && existsSync(bankingTest)) {
    const row = runOurs(readLabelledFile(bankingTrain), readLabelledFile(bankingTest));
    console.log(table([row]));
    sections.push('', 'Banking77 (train → test, 77 intents, no out-of-scope lines, so nothing is rejected):', '', table([row]));
  }
  sections.push('', `Measured ${new Date().toISOString().slice(0, 10)} with \`npm run bench:nlu\`; Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'},`
    + ` load average ${loadavg()[0].toFixed(1)} at the end (the machine is shared, so training times vary between runs).`);
  console.log(`\n${table(rows)}`);
  if (only.length === 0) {
    writeSection(sections.join('\n'));
    console.log(`\nwritten to ${docsFile}`);
  }
  return 0;
}

main().then((code) => { process.exitCode = code; }, (error: unknown) => { console.error(error); process.exitCode = 1; });
