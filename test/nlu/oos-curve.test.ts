import { chooseThresholdForOosRecall, type HeldOutPrediction } from '../../src/nlu/calibrate-threshold';
import { oosCurve, operatingPoint } from '../../src/nlu/evaluation/oos-curve';

const inScope = (confidence: number, correct = true): HeldOutPrediction => ({ confidence, correct, outOfScope: false, predictedOutOfScope: false });
const oos = (confidence: number, predictedOutOfScope = false): HeldOutPrediction => ({ confidence, correct: false, outOfScope: true, predictedOutOfScope });

// Four oos lines at 0.1, 0.3, 0.5, 0.7; in-scope lines at 0.2 (wrong), 0.4, 0.6, 0.8, 0.9.
const lines = [oos(0.1), oos(0.3), oos(0.5), oos(0.7), inScope(0.2, false), inScope(0.4), inScope(0.6), inScope(0.8), inScope(0.9)];

describe('chooseThresholdForOosRecall', () => {
  test('is the lowest threshold that rejects the share asked for, halfway to the next confidence', () => {
    expect(chooseThresholdForOosRecall(lines, 0.25)).toBeCloseTo(0.15, 12); // rejects 0.1 only
    expect(chooseThresholdForOosRecall(lines, 0.5)).toBeCloseTo(0.35, 12);
    expect(chooseThresholdForOosRecall(lines, 0.6)).toBeCloseTo(0.55, 12); // 3 of 4 needed
    expect(chooseThresholdForOosRecall(lines, 1)).toBeCloseTo(0.75, 12);
    expect(chooseThresholdForOosRecall(lines, 0)).toBe(0);
  });

  test('counts lines the model\'s own oos class rejects at every threshold', () => {
    const withOwnClass = [oos(0.9, true), oos(0.95, true), oos(0.3), oos(0.6), inScope(0.5)];
    expect(chooseThresholdForOosRecall(withOwnClass, 0.5)).toBe(0);
    expect(chooseThresholdForOosRecall(withOwnClass, 0.75)).toBeCloseTo(0.4, 12);
  });

  test('above every confidence it still lands between the last one and 1', () => {
    expect(chooseThresholdForOosRecall([oos(0.6), inScope(0.5)], 1)).toBeCloseTo(0.8, 12);
    expect(chooseThresholdForOosRecall([oos(1), inScope(0.5)], 1)).toBeGreaterThan(1);
  });

  test('needs oos lines', () => {
    expect(() => chooseThresholdForOosRecall([inScope(0.5)], 0.5)).toThrow(/oos/);
  });
});

describe('operatingPoint and oosCurve', () => {
  test('a line below the threshold is rejected: right for oos, a miss for in-scope', () => {
    expect(operatingPoint(lines, 0)).toEqual({ threshold: 0, accuracy: 4 / 5, oosRecall: 0 });
    expect(operatingPoint(lines, 0.5)).toEqual({ threshold: 0.5, accuracy: 3 / 5, oosRecall: 2 / 4 });
    expect(operatingPoint([inScope(0.5)], 0.4)).toEqual({ threshold: 0.4, accuracy: 1, oosRecall: null });
  });

  test('lists the chosen threshold and the recall targets, sorted, each threshold once', () => {
    const curve = oosCurve(lines, 0.45, [0.25, 0.3, 0.5, 0.75]);
    // 0.25 and 0.3 both need one line rejected: one point.
    expect(curve.map((point) => point.threshold)).toEqual([0.15, 0.35, 0.45, 0.55].map((value) => expect.closeTo(value, 12)));
    expect(curve.map((point) => point.oosRecall)).toEqual([0.25, 0.5, 0.5, 0.75]);
    expect(curve.map((point) => point.accuracy)).toEqual([4 / 5, 4 / 5, 3 / 5, 3 / 5]);
    for (const point of curve) expect(point.oosRecall).toBeGreaterThanOrEqual(0.25);
  });

  test('is empty without oos lines', () => {
    expect(oosCurve([inScope(0.5), inScope(0.9)], 0.2)).toEqual([]);
  });
});
