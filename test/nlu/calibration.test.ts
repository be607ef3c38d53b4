import type { HeldOutPrediction } from '../../src/nlu/calibrate-threshold';
import { expectedCalibrationError } from '../../src/nlu/evaluation/calibration';

const line = (confidence: number, correct: boolean, outOfScope = false): HeldOutPrediction => ({ confidence, correct, outOfScope, predictedOutOfScope: false });

describe('expectedCalibrationError', () => {
  test('is 0 when each bin is right as often as it is confident', () => {
    // 0.75 bin: 3 of 4 right; 0.25 bin: 1 of 4 right.
    const lines = [line(0.75, true), line(0.75, true), line(0.75, true), line(0.75, false), line(0.25, true), line(0.25, false), line(0.25, false), line(0.25, false)];
    expect(expectedCalibrationError(lines).ece).toBeCloseTo(0, 12);
  });

  test('weights each bin by its share of the lines', () => {
    // Bin of 0.9: 2 lines, both wrong (gap 0.9); bin of 0.5: 2 lines, both right (gap 0.5). ECE = (2·0.9 + 2·0.5) / 4.
    const report = expectedCalibrationError([line(0.9, false), line(0.9, false), line(0.5, true), line(0.5, true)]);
    expect(report.ece).toBeCloseTo(0.7, 12);
    expect(report.meanConfidence).toBeCloseTo(0.7, 12);
    expect(report.accuracy).toBeCloseTo(0.5, 12);
    expect(report.lines).toBe(4);
  });

  test('a confident guess on an oos line counts as wrong, whatever `correct` says', () => {
    expect(expectedCalibrationError([line(1, true, true)]).ece).toBeCloseTo(1, 12);
    expect(expectedCalibrationError([line(1, true, false)]).ece).toBeCloseTo(0, 12);
  });

  test('uses 15 equal-width bins: lines in one bin average out, lines in two do not', () => {
    // 0.60 and 0.65 share the bin [0.6, 0.667): mean confidence 0.625 vs 0.5 right.
    expect(expectedCalibrationError([line(0.6, true), line(0.65, false)]).ece).toBeCloseTo(0.125, 12);
    // 0.66 and 0.67 fall either side of 10/15: each bin is judged alone.
    expect(expectedCalibrationError([line(0.66, true), line(0.67, false)]).ece).toBeCloseTo((0.34 + 0.67) / 2, 12);
    expect(expectedCalibrationError([line(0.66, true), line(0.67, false)], 1).ece).toBeCloseTo(0.165, 12);
  });

  test('an empty set has nothing to be wrong about', () => {
    expect(expectedCalibrationError([])).toEqual({ ece: 0, meanConfidence: 0, accuracy: 0, lines: 0 });
  });
});
