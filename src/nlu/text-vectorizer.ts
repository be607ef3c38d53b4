import type { Locale } from '../core/turn';
import { createFeaturizer, DEFAULT_FEATURE_OPTIONS, groupOf, spanningFeatureKeys, wordFeatureKeys, type FeatureOptions } from './featurize';
import { words } from './normalize-text';
import { stemmerFor } from './stem-word';

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
  const stem = stemmerFor(state.locale);
  const ids = new Map<string, number>();
  state.features.forEach((feature, index) => ids.set(feature, index));
  const groups = Uint8Array.from(state.features, (feature) => groupOf(feature));
  const idf = Float32Array.from(state.idf);
  // Per word: its stem and the ids of its known word-level features. Classifying then costs a few map
  // lookups per word instead of building every n-gram string again.
  const wordCache = new Map<string, { stem: string; ids: number[] }>();
  const analyse = (word: string) => {
    let known = wordCache.get(word);
    if (!known) {
      const keys = wordFeatureKeys(word, stem, state.options);
      known = { stem: keys[0].slice(1), ids: keys.map((key) => ids.get(key)).filter((id): id is number => id !== undefined) };
      if (wordCache.size > 100_000) wordCache.clear();
      wordCache.set(word, known);
    }
    return known;
  };
  // The known n-grams across each pair of adjacent words, likewise.
  const pairCache = new Map<string, number[]>();
  const spanning = (left: string, right: string) => {
    const pair = `${left} ${right}`;
    let known = pairCache.get(pair);
    if (!known) {
      known = spanningFeatureKeys(left, right, state.options).map((key) => ids.get(key)).filter((id): id is number => id !== undefined);
      if (pairCache.size > 100_000) pairCache.clear();
      pairCache.set(pair, known);
    }
    return known;
  };
  // Dense scratch counts plus the list of touched ids: cheaper than a Map per call. Not re-entrant, which is
  // fine: classification is synchronous.
  const counts = new Float64Array(state.features.length);
  const touched: number[] = [];
  const bump = (id: number | undefined) => {
    if (id === undefined) return;
    if (counts[id] === 0) touched.push(id);
    counts[id]++;
  };
  return {
    size: state.features.length,
    state: () => state,
    vectorize(text) {
      touched.length = 0;
      let previous = '^';
      let previousWord = '';
      const tokens = words(text);
      for (const word of tokens) {
        const analysed = analyse(word);
        for (const id of analysed.ids) bump(id);
        if (previousWord) for (const id of spanning(previousWord, word)) bump(id);
        bump(ids.get(`b${previous} ${analysed.stem}`));
        previous = analysed.stem;
        previousWord = word;
      }
      if (tokens.length > 0) bump(ids.get(`b${previous} $`));
      const indices = new Int32Array(touched.length);
      const values = new Float32Array(touched.length);
      const groupNorms = [0, 0, 0];
      let at = 0;
      for (const id of touched) {
        const count = counts[id];
        counts[id] = 0;
        const value = (count === 1 ? 1 : 1 + Math.log(count)) * idf[id];
        indices[at] = id;
        values[at] = value;
        groupNorms[groups[id]] += value * value;
        at++;
      }
      let total = 0;
      for (at = 0; at < indices.length; at++) {
        const group = groups[indices[at]];
        values[at] = (values[at] / Math.sqrt(groupNorms[group])) * GROUP_WEIGHTS[group];
        total += values[at] * values[at];
      }
      const norm = Math.sqrt(total) || 1;
      for (at = 0; at < values.length; at++) values[at] /= norm;
      return { indices, values };
    },
  };
}
