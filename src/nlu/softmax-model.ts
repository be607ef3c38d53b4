import type { SparseVector } from './text-vectorizer';

/** Multinomial logistic regression over sparse vectors. Weights are feature-major: `weights[feature * classes + c]`. */
export interface SoftmaxModel {
  classes: number;
  features: number;
  weights: Float32Array;
  bias: Float32Array;
}

export interface SoftmaxTrainOptions {
  epochs: number;
  learningRate: number;
  /** L2 penalty, applied as weight decay per epoch. */
  l2: number;
  seed: number;
}

export const DEFAULT_SOFTMAX_OPTIONS: SoftmaxTrainOptions = { epochs: 10, learningRate: 4, l2: 1e-6, seed: 7 };

/** A small deterministic PRNG (mulberry32), so training gives the same model every run. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffleInPlace<T>(items: T[], random: () => number): T[] {
  for (let at = items.length - 1; at > 0; at--) {
    const other = Math.floor(random() * (at + 1));
    [items[at], items[other]] = [items[other], items[at]];
  }
  return items;
}

/** Writes the logits of `vector` into `out` (length = classes). Always a Float64Array: one array type keeps V8's code monomorphic. */
export function computeLogits(model: SoftmaxModel, vector: SparseVector, out: Float64Array): Float64Array {
  const { classes, weights } = model;
  out.set(model.bias);
  const { indices, values } = vector;
  for (let at = 0; at < indices.length; at++) {
    const base = indices[at] * classes;
    const value = values[at];
    for (let c = 0; c < classes; c++) out[c] += weights[base + c] * value;
  }
  return out;
}

/**
 * The trained model for serving: per feature only the class weights that matter, as compressed rows. Plain SGD
 * leaves most weights at or near zero; on CLINC150 the rows keep about a tenth of the dense matrix with the same
 * accuracy, so a classification touches a tenth of the memory and the cached model is a few MB instead of 35.
 */
export interface CompactSoftmaxModel {
  classes: number;
  features: number;
  /** Row of feature f: entries `rowStart[f]` up to `rowStart[f + 1]`. */
  rowStart: Int32Array;
  classIds: Uint16Array;
  weights: Float32Array;
  bias: Float32Array;
}

/** Weights smaller than this share of the largest one are dropped (no measurable change in accuracy). */
const PRUNE_SHARE = 5e-4;

export function compactModel(model: SoftmaxModel): CompactSoftmaxModel {
  const { classes, features, weights } = model;
  let largest = 0;
  for (let at = 0; at < weights.length; at++) largest = Math.max(largest, Math.abs(weights[at]));
  const cut = largest * PRUNE_SHARE;
  let kept = 0;
  for (let at = 0; at < weights.length; at++) if (Math.abs(weights[at]) > cut) kept++;
  const rowStart = new Int32Array(features + 1);
  const classIds = new Uint16Array(kept);
  const values = new Float32Array(kept);
  let entry = 0;
  for (let feature = 0; feature < features; feature++) {
    rowStart[feature] = entry;
    const base = feature * classes;
    for (let c = 0; c < classes; c++) {
      const weight = weights[base + c];
      if (Math.abs(weight) > cut) {
        classIds[entry] = c;
        values[entry] = weight;
        entry++;
      }
    }
  }
  rowStart[features] = entry;
  return { classes, features, rowStart, classIds, weights: values, bias: Float32Array.from(model.bias) };
}

/** `computeLogits` for the compact model. */
export function computeCompactLogits(model: CompactSoftmaxModel, vector: SparseVector, out: Float64Array): Float64Array {
  const { rowStart, classIds, weights } = model;
  out.set(model.bias);
  const { indices, values } = vector;
  for (let at = 0; at < indices.length; at++) {
    const feature = indices[at];
    const value = values[at];
    const end = rowStart[feature + 1];
    for (let entry = rowStart[feature]; entry < end; entry++) out[classIds[entry]] += weights[entry] * value;
  }
  return out;
}

/** Softmax of `logits / temperature` into `out`, numerically safe. */
export function softmax(logits: Float64Array, temperature: number, out: Float64Array): Float64Array {
  let max = -Infinity;
  for (let c = 0; c < logits.length; c++) if (logits[c] > max) max = logits[c];
  let sum = 0;
  for (let c = 0; c < logits.length; c++) {
    // exp(-30) is 1e-13: skipping the call for hopeless classes saves most of the exp() work.
    const scaled = (logits[c] - max) / temperature;
    out[c] = scaled < -30 ? 0 : Math.exp(scaled);
    sum += out[c];
  }
  for (let c = 0; c < logits.length; c++) out[c] /= sum;
  return out;
}

/**
 * Plain SGD on the cross-entropy. Classes whose gradient is negligible for an example are skipped, which makes
 * an epoch cost little more than a perceptron's once the model has learned the easy cases.
 */
export function trainSoftmax(
  vectors: SparseVector[],
  labels: Int32Array,
  classes: number,
  features: number,
  options: SoftmaxTrainOptions = DEFAULT_SOFTMAX_OPTIONS,
): SoftmaxModel {
  const model: SoftmaxModel = { classes, features, weights: new Float32Array(features * classes), bias: new Float32Array(classes) };
  const { weights, bias } = model;
  const random = createRandom(options.seed);
  const order = shuffleInPlace(vectors.map((_, index) => index), random);
  // Float64 scratch: V8 accumulates faster into doubles than into floats.
  const logits = new Float64Array(classes);
  const probabilities = new Float64Array(classes);
  const active = new Int32Array(classes);
  const gradients = new Float32Array(classes);
  // Examples the model already got right with high probability sit out the next epoch: later epochs then
  // cost a fraction of the first ones, with no loss of accuracy (they come back the epoch after).
  const restUntil = new Int32Array(vectors.length);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    shuffleInPlace(order, random);
    const rate = options.learningRate / (1 + epoch * 0.3);
    for (const example of order) {
      if (restUntil[example] > epoch) continue;
      const vector = vectors[example];
      computeLogits(model, vector, logits);
      softmax(logits, 1, probabilities);
      const label = labels[example];
      if (probabilities[label] > 0.95) restUntil[example] = epoch + 3;
      let count = 0;
      for (let c = 0; c < classes; c++) {
        const gradient = probabilities[c] - (c === label ? 1 : 0);
        if (gradient > 5e-3 || gradient < -5e-3) {
          active[count] = c;
          gradients[count] = gradient * rate;
          count++;
        }
      }
      if (count === 0) continue;
      const { indices, values } = vector;
      for (let at = 0; at < indices.length; at++) {
        const base = indices[at] * classes;
        const value = values[at];
        for (let k = 0; k < count; k++) weights[base + active[k]] -= gradients[k] * value;
      }
      for (let k = 0; k < count; k++) bias[active[k]] -= gradients[k];
    }
    if (options.l2 > 0) {
      const decay = 1 - options.l2 * rate * vectors.length;
      for (let at = 0; at < weights.length; at++) weights[at] *= decay;
    }
  }
  return model;
}
