import { OUT_OF_SCOPE } from '../../core/nlu';

/** One test line as a classifier handled it. */
export interface Prediction {
  expected: string;
  /** The final answer: an intent, or `oos` when rejected. */
  predicted: string;
  /** The best in-scope intent before any threshold (for top-1 accuracy). */
  top: string;
}

export interface Scores {
  /** In-scope lines whose top intent is right and clears the threshold. */
  accuracy: number;
  /** In-scope lines whose best in-scope intent is right, threshold ignored. */
  topOneAccuracy: number;
  /** Mean F1 over the in-scope intents of the test set (rejected lines count as misses). */
  macroF1: number;
  oosRecall: number | null;
  oosPrecision: number | null;
  inScopeLines: number;
  oosLines: number;
  /** expected → predicted pairs that went wrong, most frequent first. */
  confusions: { expected: string; predicted: string; count: number }[];
}

export function scorePredictions(predictions: Prediction[]): Scores {
  const inScope = predictions.filter((p) => p.expected !== OUT_OF_SCOPE);
  const oos = predictions.filter((p) => p.expected === OUT_OF_SCOPE);
  const predictedOos = predictions.filter((p) => p.predicted === OUT_OF_SCOPE);
  const intents = [...new Set(inScope.map((p) => p.expected))];
  let f1Sum = 0;
  for (const intent of intents) {
    const truePositive = predictions.filter((p) => p.expected === intent && p.predicted === intent).length;
    const predicted = predictions.filter((p) => p.predicted === intent).length;
    const actual = inScope.filter((p) => p.expected === intent).length;
    const precision = predicted ? truePositive / predicted : 0;
    const recall = actual ? truePositive / actual : 0;
    f1Sum += precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  }
  const confusionCounts = new Map<string, number>();
  for (const p of predictions) {
    if (p.expected !== p.predicted) {
      const key = `${p.expected}\u0000${p.predicted}`;
      confusionCounts.set(key, (confusionCounts.get(key) ?? 0) + 1);
    }
  }
  const confusions = [...confusionCounts]
    .map(([key, count]) => {
      const [expected, predicted] = key.split('\u0000');
      return { expected, predicted, count };
    })
    .sort((a, b) => b.count - a.count || a.expected.localeCompare(b.expected));
  const oosCaught = oos.filter((p) => p.predicted === OUT_OF_SCOPE).length;
  return {
    accuracy: inScope.length ? inScope.filter((p) => p.predicted === p.expected).length / inScope.length : 0,
    topOneAccuracy: inScope.length ? inScope.filter((p) => p.top === p.expected).length / inScope.length : 0,
    macroF1: intents.length ? f1Sum / intents.length : 0,
    oosRecall: oos.length ? oosCaught / oos.length : null,
    oosPrecision: oos.length ? (predictedOos.length ? oosCaught / predictedOos.length : 0) : null,
    inScopeLines: inScope.length,
    oosLines: oos.length,
    confusions,
  };
}

/** The q-quantile (0..1) of the values, nearest rank. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
