import { OUT_OF_SCOPE } from '../../core/nlu';
import { isLocale, SUPPORTED_LOCALES, type Locale } from '../../core/turn';
import { chooseThresholdForAccuracy, chooseThresholdForOosRecall, type HeldOutPrediction } from '../calibrate-threshold';
import { trainIntentClassifier, type Classification, type IntentClassifier, type LabelledText } from '../intent-classifier';
import { createLanguageIdentifier } from '../language-id';
import { expectedCalibrationError, type CalibrationReport } from './calibration';
import { oosCurve, operatingPoint, type OperatingPoint } from './oos-curve';
import { quantile, scorePredictions, type Prediction, type Scores } from './score-predictions';

export interface SplitReport extends Scores {
  trainMs: number;
  /** CPU time of training: what the wall time would be on an idle machine (shared machines inflate wall time). */
  trainCpuMs: number;
  p50Us: number;
  p99Us: number;
  /** 99th percentile of the CPU time per utterance (excludes time the process waited for a core). */
  p99CpuUs: number;
  threshold: number;
  thresholdSource: 'training data' | 'validation file';
  thresholdRule: ThresholdRule;
  /** Softmax temperature of the model (fitted on the validation file when there is one, else by cross-validation). */
  temperature: number;
  calibration: CalibrationReport;
  /** In-scope accuracy against out-of-scope recall on the test lines (empty without oos lines). */
  curve: OperatingPoint[];
  locale: Locale;
  intents: number;
  trainLines: number;
  predictions: Prediction[];
}

/** The language of a training set, by majority vote of the language identifier (default en). */
export function guessLocale(examples: LabelledText[]): Locale {
  const identifier = createLanguageIdentifier(Object.fromEntries(SUPPORTED_LOCALES.map((locale) => [locale, []])));
  const votes = new Map<Locale, number>();
  for (let at = 0; at < examples.length; at += Math.max(1, Math.floor(examples.length / 300))) {
    const locale = identifier.identify(examples[at].text);
    if (locale) votes.set(locale, (votes.get(locale) ?? 0) + 1);
  }
  const ranked = [...votes].sort((a, b) => b[1] - a[1]);
  return ranked[0]?.[0] ?? 'en';
}

/** How a classifier saw one labelled line, before any threshold, and its best in-scope intent. */
function classifyLine(classifier: IntentClassifier, example: LabelledText, top = 1): { heldOut: HeldOutPrediction; top: string | undefined } {
  return heldOutFrom(classifier.classify(example.text, top), example);
}

function heldOutFrom(classification: Classification, example: LabelledText): { heldOut: HeldOutPrediction; top: string | undefined } {
  const best = classification.ranking[0];
  return {
    heldOut: {
      confidence: best?.confidence ?? 0,
      outOfScope: example.intent === OUT_OF_SCOPE,
      correct: best?.intent === example.intent,
      predictedOutOfScope: classification.predictedOutOfScope,
    },
    top: best?.intent,
  };
}

/** The final answer for a line at a threshold, as the bot gives it. */
function predictionAt(example: LabelledText, line: { heldOut: HeldOutPrediction; top: string | undefined }, threshold: number): Prediction {
  const rejected = line.heldOut.predictedOutOfScope || line.heldOut.confidence < threshold || line.top === undefined;
  return { expected: example.intent, predicted: rejected ? OUT_OF_SCOPE : (line.top as string), top: line.top ?? OUT_OF_SCOPE };
}

/** How the out-of-scope threshold was chosen. */
export type ThresholdRule =
  /** Best accuracy: on the validation file with oos as an intent, or the classifier's own calibration (oos prior). */
  | { kind: 'accuracy' }
  /** The lowest threshold reaching `target` out-of-scope recall where it was chosen; `reached` is what it got there. */
  | { kind: 'oos-recall'; target: number; reached: number };

export interface SplitOptions {
  locale?: Locale;
  val?: LabelledText[];
  /** Choose the threshold for this out-of-scope recall (0–1) instead of for accuracy. */
  oosRecall?: number;
}

/** Folds for cross-validating a training file, as the classifier's own calibration uses. */
const foldsFor = (lines: number) => (lines > 3000 ? 3 : 5);

/**
 * Trains on `train` and tests on `test`. The out-of-scope threshold comes from the training data
 * (cross-validation), or with `val` from the validation file: the one that maximises accuracy there with
 * out-of-scope as an intent of its own (the CLINC150 paper's method). With `oosRecall` it is the lowest threshold
 * that rejects that share of the oos lines of the validation file, or of the cross-validated training file.
 */
export function evaluateSplit(train: LabelledText[], test: LabelledText[], options: SplitOptions = {}): SplitReport {
  const locale = options.locale && isLocale(options.locale) ? options.locale : guessLocale(train);
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  const trained = trainIntentClassifier(locale, train, { calibrate: options.val === undefined });
  // With a validation file the confidences are temperature-scaled on it, as the cross-validation does otherwise.
  const classifier = options.val ? trained.calibratedOn(options.val) : trained;
  let threshold = classifier.threshold;
  let thresholdRule: ThresholdRule = { kind: 'accuracy' };
  if (options.val || options.oosRecall !== undefined) {
    const heldOut = options.val
      ? options.val.map((example) => classifyLine(classifier, example).heldOut)
      : crossValidate(train, locale, foldsFor(train.length)).heldOut;
    if (options.oosRecall === undefined) threshold = chooseThresholdForAccuracy(heldOut);
    else {
      if (!heldOut.some((p) => p.outOfScope)) throw new Error(`a target out-of-scope recall needs oos lines in the ${options.val ? 'validation' : 'training'} file`);
      threshold = chooseThresholdForOosRecall(heldOut, options.oosRecall);
      thresholdRule = { kind: 'oos-recall', target: options.oosRecall, reached: operatingPoint(heldOut, threshold).oosRecall ?? 0 };
    }
  }
  const trainMs = Number(process.hrtime.bigint() - started) / 1e6;
  const cpuUsed = process.cpuUsage(cpuStarted);
  const trainCpuMs = (cpuUsed.user + cpuUsed.system) / 1000;
  // Warm up the JIT so the latency is the steady state a running server sees.
  for (let at = 0; at < Math.min(200, test.length); at++) classifier.classify(test[at].text);
  const latencies: number[] = [];
  const cpuLatencies: number[] = [];
  const classifications = test.map((example) => {
    const cpuBefore = process.cpuUsage();
    const before = process.hrtime.bigint();
    const classification = classifier.classify(example.text, 5);
    latencies.push(Number(process.hrtime.bigint() - before) / 1000);
    cpuLatencies.push(process.cpuUsage(cpuBefore).user);
    return classification;
  });
  const lines = classifications.map((classification, at) => heldOutFrom(classification, test[at]));
  const predictions = lines.map((line, at) => predictionAt(test[at], line, threshold));
  const heldOut = lines.map((line) => line.heldOut);
  return {
    ...scorePredictions(predictions),
    trainMs,
    trainCpuMs,
    p50Us: quantile(latencies, 0.5),
    p99Us: quantile(latencies, 0.99),
    p99CpuUs: quantile(cpuLatencies, 0.99),
    threshold,
    thresholdSource: options.val ? 'validation file' : 'training data',
    thresholdRule,
    temperature: classifier.temperature,
    calibration: expectedCalibrationError(heldOut),
    curve: oosCurve(heldOut, threshold),
    locale,
    intents: classifier.intents.length,
    trainLines: train.length,
    predictions,
  };
}

export interface CrossValidation {
  scores: Scores;
  predictions: (Prediction & { text: string })[];
  /** Every line before the threshold, in the order of `predictions`: for calibration and threshold sweeps. */
  heldOut: HeldOutPrediction[];
}

/**
 * Stratified k-fold cross-validation of one data set; every line is predicted once by a model that did not see it,
 * with that model's own calibrated threshold.
 */
export function crossValidate(examples: LabelledText[], locale: Locale, folds = 5): CrossValidation {
  const byIntent = new Map<string, number[]>();
  examples.forEach((example, index) => byIntent.set(example.intent, [...(byIntent.get(example.intent) ?? []), index]));
  const foldOf = new Int32Array(examples.length);
  let offset = 0;
  for (const members of byIntent.values()) {
    members.forEach((index, position) => { foldOf[index] = (position + offset) % folds; });
    offset += members.length;
  }
  const predictions: (Prediction & { text: string })[] = [];
  const heldOut: HeldOutPrediction[] = [];
  for (let fold = 0; fold < folds; fold++) {
    const train = examples.filter((_, index) => foldOf[index] !== fold);
    const test = examples.filter((_, index) => foldOf[index] === fold);
    if (test.length === 0) continue;
    const classifier = trainIntentClassifier(locale, train);
    for (const example of test) {
      const line = classifyLine(classifier, example);
      predictions.push({ text: example.text, ...predictionAt(example, line, classifier.threshold) });
      heldOut.push(line.heldOut);
    }
  }
  return { scores: scorePredictions(predictions), predictions, heldOut };
}
