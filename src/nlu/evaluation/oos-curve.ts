import { chooseThresholdForOosRecall, type HeldOutPrediction } from '../calibrate-threshold';

/** What one out-of-scope threshold gives on a set of predictions. */
export interface OperatingPoint {
  threshold: number;
  /** In-scope lines whose top intent is right and clears the threshold. */
  accuracy: number;
  /** Out-of-scope lines rejected (by the threshold or the model's own oos class); null without oos lines. */
  oosRecall: number | null;
}

/** The out-of-scope recalls the curve shows besides the chosen threshold. */
export const CURVE_RECALLS = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/** In-scope accuracy and out-of-scope recall at one threshold; a line is rejected below it, as in the bot. */
export function operatingPoint(predictions: HeldOutPrediction[], threshold: number): OperatingPoint {
  let inScope = 0;
  let accepted = 0;
  let oos = 0;
  let caught = 0;
  for (const p of predictions) {
    const rejected = p.predictedOutOfScope || p.confidence < threshold;
    if (p.outOfScope) {
      oos++;
      if (rejected) caught++;
    } else {
      inScope++;
      if (p.correct && !rejected) accepted++;
    }
  }
  return { threshold, accuracy: inScope ? accepted / inScope : 0, oosRecall: oos ? caught / oos : null };
}

/**
 * The trade-off between answering and rejecting: the chosen threshold and the lowest thresholds that reach each
 * of `recalls`, sorted by threshold. Empty without oos lines (there is no recall to trade for).
 */
export function oosCurve(predictions: HeldOutPrediction[], chosen: number, recalls: number[] = CURVE_RECALLS): OperatingPoint[] {
  if (!predictions.some((p) => p.outOfScope)) return [];
  const thresholds = new Set([chosen, ...recalls.map((recall) => chooseThresholdForOosRecall(predictions, recall))]);
  return [...thresholds].sort((a, b) => a - b).map((threshold) => operatingPoint(predictions, threshold));
}
