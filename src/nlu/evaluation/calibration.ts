import type { HeldOutPrediction } from '../calibrate-threshold';

export interface CalibrationReport {
  /** Expected calibration error: the line-weighted gap between confidence and accuracy over the bins (0 = perfect). */
  ece: number;
  /** Mean confidence of the top in-scope intent. */
  meanConfidence: number;
  /** Share of lines whose top in-scope intent is right (oos lines never are). */
  accuracy: number;
  lines: number;
}

export const ECE_BINS = 15;

/**
 * Expected calibration error over equal-width confidence bins of the top in-scope intent, with "the top intent is
 * right" as the outcome. An oos line has no right in-scope intent, so a confident guess on it counts against the
 * calibration, as it would mislead a bot that trusts the confidence.
 */
export function expectedCalibrationError(predictions: HeldOutPrediction[], bins = ECE_BINS): CalibrationReport {
  const count = new Float64Array(bins);
  const confidenceSum = new Float64Array(bins);
  const correctSum = new Float64Array(bins);
  let totalConfidence = 0;
  let totalCorrect = 0;
  for (const p of predictions) {
    const confidence = Math.min(1, Math.max(0, p.confidence));
    const right = !p.outOfScope && p.correct ? 1 : 0;
    // Bins are [k/bins, (k+1)/bins); a confidence of exactly 1 goes in the last one.
    const bin = Math.min(bins - 1, Math.floor(confidence * bins));
    count[bin]++;
    confidenceSum[bin] += confidence;
    correctSum[bin] += right;
    totalConfidence += confidence;
    totalCorrect += right;
  }
  const lines = predictions.length;
  if (lines === 0) return { ece: 0, meanConfidence: 0, accuracy: 0, lines };
  let ece = 0;
  for (let bin = 0; bin < bins; bin++) if (count[bin] > 0) ece += Math.abs(confidenceSum[bin] - correctSum[bin]) / lines;
  return { ece, meanConfidence: totalConfidence / lines, accuracy: totalCorrect / lines, lines };
}
