/** One held-out prediction from cross-validation. */
export interface HeldOutPrediction {
  /** Confidence of the best in-scope intent. */
  confidence: number;
  /** The example is out of scope (labelled `oos`). */
  outOfScope: boolean;
  /** In-scope example whose best in-scope intent is the right one. */
  correct: boolean;
  /** The classifier's own `oos` class won (only when trained with out-of-scope examples). */
  predictedOutOfScope: boolean;
}

/**
 * Share of out-of-scope traffic assumed when the threshold is chosen from training data. The training files
 * rarely hold out-of-scope examples in the proportion real customers produce them, so each side is weighted by
 * this prior instead of by its count.
 */
export const DEFAULT_OOS_PRIOR = 0.1;

/**
 * Picks the confidence threshold that maximises the expected accuracy on traffic of which `oosPrior` is out of
 * scope: an in-scope line counts when its top intent is right and clears the threshold, an out-of-scope line
 * counts when it is rejected. Without out-of-scope examples there is nothing to learn a rejection from: the
 * threshold is 0 (no line is rejected), since rejecting uncertain guesses also throws away right answers
 * (on Banking77 a learned threshold cost 2.6 points of accuracy). A bot that wants rejection adds `oos` lines.
 */
export function chooseThreshold(predictions: HeldOutPrediction[], oosPrior = DEFAULT_OOS_PRIOR, maxThreshold = 0.9): number {
  const inScope = predictions.filter((p) => !p.outOfScope);
  const hasOos = predictions.some((p) => p.outOfScope);
  if (inScope.length === 0) return 0.5;
  if (!hasOos) return 0;
  const negatives = predictions.filter((p) => p.outOfScope);
  const positives = inScope.filter((p) => p.correct);
  return sweep([...positives.map((p) => ({ p, positive: true })), ...negatives.map((p) => ({ p, positive: false }))], maxThreshold,
    (acceptedPositives, rejectedNegatives) =>
      (1 - oosPrior) * (acceptedPositives / inScope.length) + oosPrior * (rejectedNegatives / negatives.length));
}

/** The threshold that maximises plain accuracy on a labelled set where out-of-scope is its own intent. */
export function chooseThresholdForAccuracy(predictions: HeldOutPrediction[]): number {
  const items = predictions
    .filter((p) => p.outOfScope || p.correct)
    .map((p) => ({ p, positive: !p.outOfScope }));
  return sweep(items, 1, (acceptedPositives, rejectedNegatives) => acceptedPositives + rejectedNegatives);
}

/**
 * Tries every distinct confidence as the threshold in one pass over the sorted predictions. Positives are
 * right when accepted, negatives when rejected; `score` rates a threshold from those two counts.
 */
function sweep(
  items: { p: HeldOutPrediction; positive: boolean }[],
  maxThreshold: number,
  score: (acceptedPositives: number, rejectedNegatives: number) => number,
): number {
  const sorted = [...items].sort((a, b) => a.p.confidence - b.p.confidence);
  // Lines the model's own oos class rejects stay rejected at every threshold.
  let acceptedPositives = sorted.filter((item) => item.positive && !item.p.predictedOutOfScope).length;
  let rejectedNegatives = sorted.filter((item) => !item.positive && item.p.predictedOutOfScope).length;
  let best = 0;
  let bestScore = score(acceptedPositives, rejectedNegatives);
  let at = 0;
  while (at < sorted.length) {
    const confidence = sorted[at].p.confidence;
    // Threshold just above `confidence`: everything with this confidence is now rejected.
    while (at < sorted.length && sorted[at].p.confidence === confidence) {
      const item = sorted[at];
      if (!item.p.predictedOutOfScope) {
        if (item.positive) acceptedPositives--;
        else rejectedNegatives++;
      }
      at++;
    }
    const threshold = at < sorted.length ? sorted[at].p.confidence : confidence + 1e-6;
    if (threshold > maxThreshold) break;
    const current = score(acceptedPositives, rejectedNegatives);
    if (current > bestScore + 1e-12) {
      bestScore = current;
      best = threshold;
    }
  }
  return best;
}

/**
 * The lowest threshold that rejects at least `recall` (0–1) of the out-of-scope lines, for a designer who would
 * rather catch a given share of out-of-scope messages than maximise accuracy. It sits halfway between the last
 * out-of-scope confidence it must reject and the next confidence of any line, so lines close to either side are
 * treated as in the data. Throws when there are no out-of-scope lines.
 */
export function chooseThresholdForOosRecall(predictions: HeldOutPrediction[], recall: number): number {
  const oos = predictions.filter((p) => p.outOfScope);
  if (oos.length === 0) throw new Error('an out-of-scope recall needs lines labelled oos');
  const needed = Math.ceil(Math.min(1, Math.max(0, recall)) * oos.length - 1e-9);
  // Lines the model's own oos class rejects stay rejected at every threshold.
  const toReject = needed - oos.filter((p) => p.predictedOutOfScope).length;
  if (toReject <= 0) return 0;
  const confidences = oos.filter((p) => !p.predictedOutOfScope).map((p) => p.confidence).sort((a, b) => a - b);
  const last = confidences[toReject - 1];
  let next = Infinity;
  for (const p of predictions) if (p.confidence > last && p.confidence < next) next = p.confidence;
  if (next === Infinity) next = Math.max(1, last + 1e-6);
  const threshold = (last + next) / 2;
  return threshold > last ? threshold : next;
}
