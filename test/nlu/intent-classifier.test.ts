import { intentClassifierFromBuffer, trainIntentClassifier } from '../../src/nlu/intent-classifier';
import { chooseThreshold, chooseThresholdForAccuracy } from '../../src/nlu/calibrate-threshold';
import { compactModel, computeCompactLogits, computeLogits, trainSoftmax } from '../../src/nlu/softmax-model';
import { stemFinnish } from '../../src/nlu/stem-word';
import { fitVectorizer } from '../../src/nlu/text-vectorizer';

describe('Finnish stemmer', () => {
  test.each([
    [['tilaus', 'tilauksen', 'tilaukseni', 'tilauksesta', 'tilauksenikin'], 'tilaus'],
    [['lasku', 'laskun', 'laskussa', 'laskuni', 'laskuja'], 'lask'],
    [['salasana', 'salasanan', 'salasanani'], 'salasan'],
  ])('%j meet at %s', (forms, stem) => {
    for (const form of forms) expect(stemFinnish(form)).toBe(stem);
  });
});

describe('intent classifier', () => {
  const examples = [
    ...['where is my order', 'track my order', 'order status', 'has my order shipped', 'my order is late'].map((text) => ({ text, intent: 'order' })),
    ...['my bill is wrong', 'bill too high', 'charged twice on my bill', 'dispute the bill', 'wrong bill amount'].map((text) => ({ text, intent: 'bill' })),
    ...['forgot password', 'reset my password', 'password does not work', 'change my password', 'locked out password'].map((text) => ({ text, intent: 'password' })),
  ];

  test('survives a round trip through the model cache format', () => {
    const classifier = trainIntentClassifier('en', examples);
    const restored = intentClassifierFromBuffer(classifier.toBuffer());
    expect(restored.threshold).toBe(classifier.threshold);
    expect(restored.intents).toEqual(classifier.intents);
    for (const text of ['where is my order', 'billing problem', 'new password']) {
      expect(restored.classify(text)).toEqual(classifier.classify(text));
    }
  });

  test('fits its temperature to labelled lines: overconfident on lines it gets wrong, it cools down', () => {
    const classifier = trainIntentClassifier('en', examples, { calibrate: false });
    expect(classifier.temperature).toBe(1);
    // Validation lines whose labels disagree with what the model is sure of: the fitted temperature flattens it.
    const confusing = [
      { text: 'where is my order', intent: 'bill' }, { text: 'my bill is wrong', intent: 'password' },
      { text: 'forgot password', intent: 'order' }, { text: 'track my order', intent: 'order' },
    ];
    const calibrated = classifier.calibratedOn(confusing);
    expect(calibrated.temperature).toBeGreaterThan(1);
    expect(calibrated.classify('where is my order').ranking[0].confidence).toBeLessThan(classifier.classify('where is my order').ranking[0].confidence);
    expect(calibrated.classify('where is my order').ranking[0].intent).toBe('order');
    expect(classifier.calibratedOn([{ text: 'hello', intent: 'unknown_intent' }])).toBe(classifier);
  });

  test('the compact serving model keeps the logits of the trained one', () => {
    const vectorizer = fitVectorizer('en', examples.map((example) => example.text));
    const intents = ['order', 'bill', 'password'];
    const model = trainSoftmax(examples.map((example) => vectorizer.vectorize(example.text)), Int32Array.from(examples, (example) => intents.indexOf(example.intent)), 3, vectorizer.size);
    const compact = compactModel(model);
    expect(compact.weights.length).toBeLessThan(model.weights.length);
    for (const text of ['where is my order', 'my bill', 'password', 'nothing known here']) {
      const dense = computeLogits(model, vectorizer.vectorize(text), new Float64Array(3));
      const pruned = computeCompactLogits(compact, vectorizer.vectorize(text), new Float64Array(3));
      dense.forEach((logit, c) => expect(pruned[c]).toBeCloseTo(logit, 2));
    }
  });

  test('rejects damaged model bytes', () => {
    const bytes = trainIntentClassifier('en', examples).toBuffer();
    expect(() => intentClassifierFromBuffer(bytes.subarray(0, bytes.length - 4))).toThrow(/expected/);
    expect(() => intentClassifierFromBuffer(Buffer.from('xx'))).toThrow(/too short/);
  });

  test('is deterministic', () => {
    expect(trainIntentClassifier('en', examples).classify('bill')).toEqual(trainIntentClassifier('en', examples).classify('bill'));
  });

  test('refuses an empty training set', () => {
    expect(() => trainIntentClassifier('fi', [])).toThrow(/no training examples/);
  });
});

describe('threshold calibration', () => {
  const right = (confidence: number) => ({ confidence, outOfScope: false, correct: true, predictedOutOfScope: false });
  const oos = (confidence: number) => ({ confidence, outOfScope: true, correct: false, predictedOutOfScope: false });

  test('separates clearly separable confidences', () => {
    const predictions = [...[0.9, 0.8, 0.85, 0.95, 0.7].map(right), ...[0.2, 0.3, 0.1].map(oos)];
    const threshold = chooseThreshold(predictions, 0.5);
    expect(threshold).toBeGreaterThan(0.3);
    expect(threshold).toBeLessThanOrEqual(0.7);
    const accuracyThreshold = chooseThresholdForAccuracy(predictions);
    expect(accuracyThreshold).toBeGreaterThan(0.3);
    expect(accuracyThreshold).toBeLessThanOrEqual(0.7);
  });

  test('without out-of-scope examples it rejects nothing, even when some guesses are wrong', () => {
    const wrong = (confidence: number) => ({ confidence, outOfScope: false, correct: false, predictedOutOfScope: false });
    expect(chooseThreshold([right(0.9), right(0.8)])).toBe(0);
    expect(chooseThreshold([right(0.9), right(0.8), wrong(0.2), wrong(0.3)])).toBe(0);
  });
});
