import { OUT_OF_SCOPE } from '../../core/nlu';
import { isLocale, SUPPORTED_LOCALES, type Locale } from '../../core/turn';
import { chooseThresholdForAccuracy, type HeldOutPrediction } from '../calibrate-threshold';
import { trainIntentClassifier, type IntentClassifier, type LabelledText } from '../intent-classifier';
import { createLanguageIdentifier } from '../language-id';
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

function heldOutOf(classifier: IntentClassifier, example: LabelledText): HeldOutPrediction {
  const { ranking, predictedOutOfScope } = classifier.classify(example.text, 1);
  return {
    confidence: ranking[0]?.confidence ?? 0,
    outOfScope: example.intent === OUT_OF_SCOPE,
    correct: ranking[0]?.intent === example.intent,
    predictedOutOfScope,
  };
}

/**
 * Trains on `train` and tests on `test`. The out-of-scope threshold comes from the training data
 * (cross-validation), or with `val` from the validation file: the one that maximises accuracy there with
 * out-of-scope as an intent of its own (the CLINC150 paper's method).
 */
export function evaluateSplit(train: LabelledText[], test: LabelledText[], options: { locale?: Locale; val?: LabelledText[] } = {}): SplitReport {
  const locale = options.locale && isLocale(options.locale) ? options.locale : guessLocale(train);
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  const classifier = trainIntentClassifier(locale, train, { calibrate: options.val === undefined });
  const threshold = options.val ? chooseThresholdForAccuracy(options.val.map((example) => heldOutOf(classifier, example))) : classifier.threshold;
  const trainMs = Number(process.hrtime.bigint() - started) / 1e6;
  const cpuUsed = process.cpuUsage(cpuStarted);
  const trainCpuMs = (cpuUsed.user + cpuUsed.system) / 1000;
  // Warm up the JIT so the latency is the steady state a running server sees.
  for (let at = 0; at < Math.min(200, test.length); at++) classifier.classify(test[at].text);
  const latencies: number[] = [];
  const cpuLatencies: number[] = [];
  const predictions: Prediction[] = test.map((example) => {
    const cpuBefore = process.cpuUsage();
    const before = process.hrtime.bigint();
    const { ranking, predictedOutOfScope } = classifier.classify(example.text, 5);
    const rejected = predictedOutOfScope || (ranking[0]?.confidence ?? 0) < threshold;
    latencies.push(Number(process.hrtime.bigint() - before) / 1000);
    cpuLatencies.push(process.cpuUsage(cpuBefore).user);
    return { expected: example.intent, predicted: rejected ? OUT_OF_SCOPE : ranking[0].intent, top: ranking[0]?.intent ?? OUT_OF_SCOPE };
  });
  return {
    ...scorePredictions(predictions),
    trainMs,
    trainCpuMs,
    p50Us: quantile(latencies, 0.5),
    p99Us: quantile(latencies, 0.99),
    p99CpuUs: quantile(cpuLatencies, 0.99),
    threshold,
    thresholdSource: options.val ? 'validation file' : 'training data',
    locale,
    intents: classifier.intents.length,
    trainLines: train.length,
    predictions,
  };
}

/** Stratified k-fold cross-validation of one data set; every line is predicted once by a model that did not see it. */
export function crossValidate(examples: LabelledText[], locale: Locale, folds = 5): { scores: Scores; predictions: (Prediction & { text: string })[] } {
  const byIntent = new Map<string, number[]>();
  examples.forEach((example, index) => byIntent.set(example.intent, [...(byIntent.get(example.intent) ?? []), index]));
  const foldOf = new Int32Array(examples.length);
  let offset = 0;
  for (const members of byIntent.values()) {
    members.forEach((index, position) => { foldOf[index] = (position + offset) % folds; });
    offset += members.length;
  }
  const predictions: (Prediction & { text: string })[] = [];
  for (let fold = 0; fold < folds; fold++) {
    const train = examples.filter((_, index) => foldOf[index] !== fold);
    const test = examples.filter((_, index) => foldOf[index] === fold);
    if (test.length === 0) continue;
    const classifier = trainIntentClassifier(locale, train);
    for (const example of test) {
      const { ranking, predictedOutOfScope } = classifier.classify(example.text, 1);
      const rejected = predictedOutOfScope || (ranking[0]?.confidence ?? 0) < classifier.threshold;
      predictions.push({ text: example.text, expected: example.intent, predicted: rejected ? OUT_OF_SCOPE : ranking[0].intent, top: ranking[0]?.intent ?? OUT_OF_SCOPE });
    }
  }
  return { scores: scorePredictions(predictions), predictions };
}
