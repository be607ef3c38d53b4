import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { OUT_OF_SCOPE } from '../../core/nlu';
import { isLocale, SUPPORTED_LOCALES, type Locale } from '../../core/turn';
import { chooseThresholdForOosRecall, DEFAULT_OOS_PRIOR } from '../calibrate-threshold';
import { loadOrTrainClassifier, trainingExamples } from '../create-nlu';
import { loadNluData } from '../load-nlu-data';
import { ECE_BINS, expectedCalibrationError, type CalibrationReport } from './calibration';
import { describeWarning, labelConflictWarning, overlapWarning, type HygieneWarning } from './data-hygiene';
import { crossValidate, evaluateSplit, type SplitReport } from './evaluate-split';
import { oosCurve, operatingPoint, type OperatingPoint } from './oos-curve';
import { readLabelledFile } from './read-labelled-file';

export const NLU_EVAL_USAGE = `usage: aspa nlu eval --train FILE --test FILE [--val FILE] [--lang fi|sv|en] [--oos-recall R] [--json]
       aspa nlu eval [--lang fi|sv|en] [--folds N] [--oos-recall R] [--json]
                                     cross-validate the project's locales/*/nlu.yaml + faq.yaml
Files are JSON lines {"text": "...", "intent": "..."} or CSV text,intent; the intent oos marks out-of-scope lines.
--oos-recall R (0-1): choose the out-of-scope threshold as the lowest that rejects at least R of the oos lines
(of the validation file, else of the cross-validated training lines) instead of the one with the best accuracy;
in project mode, show the threshold that would do it (for NLU_OOS_THRESHOLD).`;

export interface NluEvalOptions {
  localesDir: string;
  /** The bot's configured out-of-scope thresholds (NLU_OOS_THRESHOLD); a locale without one uses the calibrated one. */
  oosThreshold?: Partial<Record<Locale, number>>;
  /** The server's model cache: the bot's own calibrated threshold is read from its cached model instead of training one. */
  cacheDir?: string;
}

interface EvalArgs {
  train?: string;
  test?: string;
  val?: string;
  lang?: Locale;
  oosRecall?: number;
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
      case '--oos-recall': {
        const text = value();
        const recall = Number(text);
        if (!text || !Number.isFinite(recall) || recall < 0 || recall > 1) return `--oos-recall must be a number from 0 to 1, e.g. 0.8 for 80 % (got ${text ?? 'nothing'})`;
        parsed.oosRecall = recall;
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
const threshold3 = (value: number) => value.toFixed(3);
const defined = <T>(value: T | undefined): value is T => value !== undefined;

/**
 * `aspa nlu eval`: trains on a file and tests on another, or cross-validates the project's own locale data
 * and lists the most confused intent pairs. Returns the exit code (0 ok, 1 bad data, 2 bad arguments).
 */
export async function runNluEval(args: string[], write: (line: string) => void, options: NluEvalOptions): Promise<number> {
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
    return evalProject(parsed, write, options);
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
  if (args.oosRecall !== undefined && !(val ?? train).some((e) => e.intent === OUT_OF_SCOPE)) {
    write(`aspa nlu eval: --oos-recall needs lines labelled oos in ${val ? args.val : args.train} to measure the recall on`);
    return 1;
  }
  const warnings = [
    labelConflictWarning(train),
    overlapWarning(train, test),
    val ? overlapWarning(val, test, 'test-in-val') : undefined,
  ].filter(defined);
  const report = evaluateSplit(train, test, { locale: args.lang, val, oosRecall: args.oosRecall });
  if (args.json) {
    write(JSON.stringify({
      accuracy: report.accuracy, macroF1: report.macroF1, oosRecall: report.oosRecall, oosPrecision: report.oosPrecision,
      trainMs: Math.round(report.trainMs), p50Us: round(report.p50Us), p99Us: round(report.p99Us),
      ece: report.calibration.ece, threshold: report.threshold, thresholdSource: report.thresholdSource, thresholdRule: report.thresholdRule,
      curve: report.curve, warnings,
    }));
    return 0;
  }
  write(`trained ${report.intents} intents on ${report.trainLines} lines (${report.locale}) in ${(report.trainMs / 1000).toFixed(1)} s`
    + ` (${(report.trainCpuMs / 1000).toFixed(1)} s CPU)`
    + (report.thresholdRule.kind === 'oos-recall' && report.thresholdSource === 'training data' ? ', including the cross-validation for --oos-recall' : ''));
  write(`in-scope accuracy      ${percent(report.accuracy)}  (${report.inScopeLines} lines; ${percent(report.topOneAccuracy)} without the threshold)`);
  write(`macro-F1               ${report.macroF1.toFixed(3)}`);
  if (report.oosLines > 0) write(`out-of-scope recall    ${percent(report.oosRecall)}  precision ${percent(report.oosPrecision)}  (${report.oosLines} lines)`);
  write(`out-of-scope threshold ${threshold3(report.threshold)} (${thresholdReason(report, train)})`);
  write(`calibration            ${describeCalibration(report.calibration)}`
    + (report.thresholdSource === 'validation file' ? `; temperature ${report.temperature.toFixed(2)} fitted on the validation file` : ''));
  writeCurve(report.curve, report.threshold, 'chosen', '', write);
  write(`latency per utterance  p50 ${round(report.p50Us)} µs  p99 ${round(report.p99Us)} µs  (p99 CPU time ${round(report.p99CpuUs)} µs)`);
  for (const warning of warnings) describeWarning(warning).forEach((line) => write(line));
  return 0;
}

function thresholdReason(report: SplitReport, train: { intent: string }[]): string {
  const rule = report.thresholdRule;
  if (rule.kind === 'oos-recall') {
    const where = report.thresholdSource === 'validation file' ? 'there' : 'in cross-validation of the training lines';
    return `from the ${report.thresholdSource}: the lowest that rejects ≥ ${percent(rule.target)} of the oos lines ${where}; it rejects ${percent(rule.reached)}`;
  }
  if (report.thresholdSource === 'validation file') return 'from the validation file: the best accuracy there, oos counted as an intent';
  if (!train.some((e) => e.intent === OUT_OF_SCOPE)) return 'from the training data: without oos lines nothing is rejected';
  return `from the training data: calibrated by cross-validation for the best accuracy on traffic assumed ${percent(DEFAULT_OOS_PRIOR)} out of scope`;
}

function describeCalibration(calibration: CalibrationReport): string {
  const gap = calibration.meanConfidence - calibration.accuracy;
  const lean = Math.abs(gap) < 0.01 ? 'about right on average' : gap > 0 ? 'over-confident' : 'under-confident';
  return `ECE ${calibration.ece.toFixed(3)} (${ECE_BINS} bins, ${calibration.lines} lines): mean confidence ${percent(calibration.meanConfidence)}`
    + ` vs ${percent(calibration.accuracy)} right (${lean})`;
}

/** The accuracy / recall trade-off as a small table; `marked` is the threshold in use. */
function writeCurve(curve: OperatingPoint[], marked: number, label: string, indent: string, write: (line: string) => void): void {
  if (curve.length === 0) return;
  write(`${indent}in-scope accuracy vs out-of-scope recall by threshold:`);
  for (const point of curve) {
    write(`${indent}  ${threshold3(point.threshold)}  accuracy ${percent(point.accuracy).padStart(7)}  oos recall ${percent(point.oosRecall).padStart(7)}`
      + (point.threshold === marked ? `  ← ${label}` : ''));
  }
}

function evalProject(args: EvalArgs, write: (line: string) => void, options: NluEvalOptions): number {
  const { localesDir } = options;
  const locales = args.lang ? [args.lang] : SUPPORTED_LOCALES.filter((locale) => existsSync(join(localesDir, locale, 'nlu.yaml')));
  if (locales.length === 0) {
    write(`aspa nlu eval: no locales/<lang>/nlu.yaml under ${localesDir}; pass --train and --test to evaluate files`);
    return 1;
  }
  const data = loadNluData(localesDir, locales);
  const results: Record<string, unknown> = {};
  for (const locale of locales) {
    const examples = trainingExamples(data.locales[locale]!);
    const { scores, predictions, heldOut } = crossValidate(examples, locale, args.folds);
    const pairs = scores.confusions.slice(0, 10).map((pair) => ({
      ...pair,
      examples: predictions.filter((p) => p.expected === pair.expected && p.predicted === pair.predicted).slice(0, 2).map((p) => p.text),
    }));
    const calibration = expectedCalibrationError(heldOut);
    // The threshold the running bot would use: the configured one, else the one its model calibrates on all lines.
    const configured = options.oosThreshold?.[locale];
    const botThreshold = configured ?? loadOrTrainClassifier(data.locales[locale]!, options.cacheDir).classifier.threshold;
    const bot = { ...operatingPoint(heldOut, botThreshold), source: configured === undefined ? 'calibrated' : 'NLU_OOS_THRESHOLD' };
    const curve = oosCurve(heldOut, botThreshold);
    const hasOos = scores.oosLines > 0;
    // Rounded up to what a designer would write in NLU_OOS_THRESHOLD (at most 1), so the recall still reaches the target.
    const forRecall = args.oosRecall !== undefined && hasOos
      ? operatingPoint(heldOut, Math.min(1, Math.ceil(chooseThresholdForOosRecall(heldOut, args.oosRecall) * 1000 - 1e-9) / 1000))
      : undefined;
    const warnings: HygieneWarning[] = [labelConflictWarning(examples)].filter(defined);
    results[locale] = {
      accuracy: scores.accuracy, topOneAccuracy: scores.topOneAccuracy, macroF1: scores.macroF1, oosRecall: scores.oosRecall, lines: examples.length, confusedPairs: pairs,
      ece: calibration.ece, bot, curve, ...(args.oosRecall !== undefined ? { forOosRecall: forRecall ?? null } : {}), warnings,
    };
    if (args.json) continue;
    write(`${locale}: ${args.folds}-fold cross-validation of ${examples.length} lines: in-scope accuracy ${percent(scores.accuracy)} `
      + `(${percent(scores.topOneAccuracy)} without the threshold), macro-F1 ${scores.macroF1.toFixed(3)}`
      + (hasOos ? `, out-of-scope recall ${percent(scores.oosRecall)}` : ''));
    write(`  calibration: ${describeCalibration(calibration)}`);
    write(`  bot threshold ${threshold3(botThreshold)} (${configured === undefined ? `calibrated on all ${examples.length} lines; NLU_OOS_THRESHOLD overrides it` : 'NLU_OOS_THRESHOLD'}):`
      + ` in-scope accuracy ${percent(bot.accuracy)}` + (hasOos ? `, out-of-scope recall ${percent(bot.oosRecall)}` : ', no oos lines to measure recall on') + ' in cross-validation');
    writeCurve(curve, botThreshold, 'bot', '  ', write);
    if (args.oosRecall !== undefined) {
      write(forRecall
        ? `  for ≥ ${percent(args.oosRecall)} out-of-scope recall: threshold ${threshold3(forRecall.threshold)} (in-scope accuracy ${percent(forRecall.accuracy)},`
          + ` oos recall ${percent(forRecall.oosRecall)}); to use it: NLU_OOS_THRESHOLD=${locale}=${threshold3(forRecall.threshold)}`
        : `  --oos-recall: no oos lines in ${locale} to measure the recall on`);
    }
    if (pairs.length === 0) write('  no confusions');
    for (const pair of pairs) {
      write(`  ${pair.count}× ${pair.expected} → ${pair.predicted}: ${pair.examples.map((text) => JSON.stringify(text)).join(', ')}`);
    }
    for (const warning of warnings) describeWarning(warning).forEach((line) => write(`  ${line}`));
  }
  if (args.json) write(JSON.stringify(results));
  return 0;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
