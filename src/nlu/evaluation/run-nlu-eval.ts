import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { OUT_OF_SCOPE } from '../../core/nlu';
import { isLocale, SUPPORTED_LOCALES, type Locale } from '../../core/turn';
import { trainingExamples } from '../create-nlu';
import { loadNluData } from '../load-nlu-data';
import { crossValidate, evaluateSplit } from './evaluate-split';
import { readLabelledFile } from './read-labelled-file';

export const NLU_EVAL_USAGE = `usage: aspa nlu eval --train FILE --test FILE [--val FILE] [--lang fi|sv|en] [--json]
       aspa nlu eval [--lang fi|sv|en] [--folds N] [--json]     cross-validate the project's locales/*/nlu.yaml + faq.yaml
Files are JSON lines {"text": "...", "intent": "..."} or CSV text,intent; the intent oos marks out-of-scope lines.`;

interface EvalArgs {
  train?: string;
  test?: string;
  val?: string;
  lang?: Locale;
  json: boolean;
  folds: number;
  help: boolean;
}

function parseArgs(args: string[]): EvalArgs | string {
  const parsed: EvalArgs = { json: false, folds: 5, help: false };
  for (let at = 0; at < args.length; at++) {
    const [flag, inline] = args[at].startsWith('--') && args[at].includes('=') ? [args[at].slice(0, args[at].indexOf('=')), args[at].slice(args[at].indexOf('=') + 1)] : [args[at], undefined];
    const value = (): string | undefined => inline ?? args[++at];
    switch (flag) {
      case '--json': parsed.json = true; break;
      case '--help': case '-h': parsed.help = true; break;
      case '--train': case '--test': case '--val': {
        const file = value();
        if (!file || file.startsWith('--')) return `${flag} needs a file name`;
        parsed[flag.slice(2) as 'train' | 'test' | 'val'] = file;
        break;
      }
      case '--lang': {
        const lang = value();
        if (!isLocale(lang)) return `--lang must be one of ${SUPPORTED_LOCALES.join(', ')} (got ${lang ?? 'nothing'})`;
        parsed.lang = lang;
        break;
      }
      case '--folds': {
        const folds = Number(value());
        if (!Number.isInteger(folds) || folds < 2 || folds > 20) return '--folds must be a whole number from 2 to 20';
        parsed.folds = folds;
        break;
      }
      default: return `unknown argument "${args[at]}"`;
    }
  }
  if ((parsed.train === undefined) !== (parsed.test === undefined)) return '--train and --test go together';
  if (parsed.val && !parsed.train) return '--val needs --train and --test';
  return parsed;
}

const percent = (value: number | null) => (value === null ? 'n/a' : `${(value * 100).toFixed(1)} %`);

/**
 * `aspa nlu eval`: trains on a file and tests on another, or cross-validates the project's own locale data
 * and lists the most confused intent pairs. Returns the exit code (0 ok, 1 bad data, 2 bad arguments).
 */
export async function runNluEval(args: string[], write: (line: string) => void, options: { localesDir: string }): Promise<number> {
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    write(`aspa nlu eval: ${parsed}`);
    write(NLU_EVAL_USAGE);
    return 2;
  }
  if (parsed.help) {
    write(NLU_EVAL_USAGE);
    return 0;
  }
  try {
    if (parsed.train && parsed.test) return evalFiles(parsed, write);
    return evalProject(parsed, write, options.localesDir);
  } catch (error) {
    write(`aspa nlu eval: ${(error as Error).message}`);
    return 1;
  }
}

function evalFiles(args: EvalArgs, write: (line: string) => void): number {
  const train = readLabelledFile(args.train as string);
  const test = readLabelledFile(args.test as string);
  const val = args.val ? readLabelledFile(args.val) : undefined;
  if (new Set(train.filter((e) => e.intent !== OUT_OF_SCOPE).map((e) => e.intent)).size < 2) {
    write(`aspa nlu eval: ${args.train} needs at least two in-scope intents`);
    return 1;
  }
  const report = evaluateSplit(train, test, { locale: args.lang, val });
  if (args.json) {
    write(JSON.stringify({
      accuracy: report.accuracy, macroF1: report.macroF1, oosRecall: report.oosRecall, oosPrecision: report.oosPrecision,
      trainMs: Math.round(report.trainMs), p50Us: round(report.p50Us), p99Us: round(report.p99Us),
    }));
    return 0;
  }
  write(`trained ${report.intents} intents on ${report.trainLines} lines (${report.locale}) in ${(report.trainMs / 1000).toFixed(1)} s`
    + ` (${(report.trainCpuMs / 1000).toFixed(1)} s CPU)`);
  write(`in-scope accuracy      ${percent(report.accuracy)}  (${report.inScopeLines} lines; ${percent(report.topOneAccuracy)} without the threshold)`);
  write(`macro-F1               ${report.macroF1.toFixed(3)}`);
  if (report.oosLines > 0) write(`out-of-scope recall    ${percent(report.oosRecall)}  precision ${percent(report.oosPrecision)}  (${report.oosLines} lines)`);
  write(`out-of-scope threshold ${report.threshold.toFixed(3)} (from the ${report.thresholdSource})`);
  write(`latency per utterance  p50 ${round(report.p50Us)} µs  p99 ${round(report.p99Us)} µs  (p99 CPU time ${round(report.p99CpuUs)} µs)`);
  return 0;
}

function evalProject(args: EvalArgs, write: (line: string) => void, localesDir: string): number {
  const locales = args.lang ? [args.lang] : SUPPORTED_LOCALES.filter((locale) => existsSync(join(localesDir, locale, 'nlu.yaml')));
  if (locales.length === 0) {
    write(`aspa nlu eval: no locales/<lang>/nlu.yaml under ${localesDir}; pass --train and --test to evaluate files`);
    return 1;
  }
  const data = loadNluData(localesDir, locales);
  const results: Record<string, unknown> = {};
  for (const locale of locales) {
    const examples = trainingExamples(data.locales[locale]!);
    const { scores, predictions } = crossValidate(examples, locale, args.folds);
    const pairs = scores.confusions.slice(0, 10).map((pair) => ({
      ...pair,
      examples: predictions.filter((p) => p.expected === pair.expected && p.predicted === pair.predicted).slice(0, 2).map((p) => p.text),
    }));
    results[locale] = { accuracy: scores.accuracy, topOneAccuracy: scores.topOneAccuracy, macroF1: scores.macroF1, oosRecall: scores.oosRecall, lines: examples.length, confusedPairs: pairs };
    if (args.json) continue;
    write(`${locale}: ${args.folds}-fold cross-validation of ${examples.length} lines: in-scope accuracy ${percent(scores.accuracy)} `
      + `(${percent(scores.topOneAccuracy)} without the threshold), macro-F1 ${scores.macroF1.toFixed(3)}`
      + (scores.oosLines ? `, out-of-scope recall ${percent(scores.oosRecall)}` : ''));
    if (pairs.length === 0) write('  no confusions');
    for (const pair of pairs) {
      write(`  ${pair.count}× ${pair.expected} → ${pair.predicted}: ${pair.examples.map((text) => JSON.stringify(text)).join(', ')}`);
    }
  }
  if (args.json) write(JSON.stringify(results));
  return 0;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
