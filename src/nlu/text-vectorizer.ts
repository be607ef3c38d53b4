import type { Locale } from '../core/turn';
import { createFeaturizer, DEFAULT_FEATURE_OPTIONS, groupOf, type FeatureOptions } from './featurize';

/** A sparse vector: feature ids and their weights, unit length. */
export interface SparseVector {
  indices: Int32Array;
  values: Float32Array;
}

/** The learned part of the vectorizer, as stored in the model cache. */
export interface VectorizerState {
  locale: Locale;
  features: string[];
  idf: number[];
  options: FeatureOptions;
}

export interface TextVectorizer {
  readonly size: number;
  vectorize(text: string): SparseVector;
  state(): VectorizerState;
}

/** Relative weight of stems, bigrams and character n-grams after each group is normalised. */
const GROUP_WEIGHTS = [1, 0.6, 1];

/**
 * TF-IDF over the feature groups of `featurize.ts`. Each group is normalised on its own and then weighted, so
 * the many character n-grams of a long word do not drown the word features.
 */
export function fitVectorizer(locale: Locale, texts: string[], options: FeatureOptions = DEFAULT_FEATURE_OPTIONS): TextVectorizer {
  const featurize = createFeaturizer(locale, options);
  const documentFrequency = new Map<string, number>();
  for (const text of texts) {
    for (const feature of new Set(featurize(text))) documentFrequency.set(feature, (documentFrequency.get(feature) ?? 0) + 1);
  }
  // Rare n-grams are mostly noise on big data sets; small data sets (the bot's own) keep everything.
  const minCount = texts.length > 3000 ? 2 : 1;
  const features: string[] = [];
  const idf: number[] = [];
  for (const [feature, count] of documentFrequency) {
    if (count < minCount && feature[0] !== 'w') continue;
    features.push(feature);
    idf.push(Math.log((1 + texts.length) / (1 + count)) + 1);
  }
  return vectorizerFromState({ locale, features, idf, options });
}

export function vectorizerFromState(state: VectorizerState): TextVectorizer {
  const featurize = createFeaturizer(state.locale, state.options);
  const ids = new Map<string, number>();
  state.features.forEach((feature, index) => ids.set(feature, index));
  const groups = Uint8Array.from(state.features, (feature) => groupOf(feature));
  const idf = Float32Array.from(state.idf);
  return {
    size: state.features.length,
    state: () => state,
    vectorize(text) {
      const counts = new Map<number, number>();
      for (const feature of featurize(text)) {
        const id = ids.get(feature);
        if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      const indices = Int32Array.from(counts.keys());
      const values = new Float32Array(indices.length);
      const groupNorms = [0, 0, 0];
      indices.forEach((id, at) => {
        const value = (1 + Math.log(counts.get(id) ?? 1)) * idf[id];
        values[at] = value;
        groupNorms[groups[id]] += value * value;
      });
      let total = 0;
      indices.forEach((id, at) => {
        const group = groups[id];
        values[at] = (values[at] / Math.sqrt(groupNorms[group])) * GROUP_WEIGHTS[group];
        total += values[at] * values[at];
      });
      const norm = Math.sqrt(total) || 1;
      for (let at = 0; at < values.length; at++) values[at] /= norm;
      return { indices, values };
    },
  };
}
