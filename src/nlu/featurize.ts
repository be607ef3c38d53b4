import type { Locale } from '../core/turn';
import { words } from './normalize-text';
import { stemmerFor, type Stemmer } from './stem-word';

/** Feature groups: stems, stem bigrams and character n-grams are weighted against each other as groups. */
export const FEATURE_GROUPS = ['w', 'b', 'c'] as const;
export type FeatureGroup = 0 | 1 | 2;

export interface FeatureOptions {
  /** Shortest and longest character n-gram (of each word padded with spaces, and across each word boundary). */
  charMin: number;
  charMax: number;
}

export const DEFAULT_FEATURE_OPTIONS: FeatureOptions = { charMin: 3, charMax: 5 };

/**
 * Turns an utterance into feature keys: stemmed words, stem bigrams and character n-grams of the text. The
 * n-grams make the classifier robust to Finnish inflection and compounds, and to typos; those that span a word
 * boundary ("y c", "my ca") also catch compounds written apart and word order. On CLINC150 (train → val) the
 * spanning n-grams and the wider 3–5 range lifted top-1 accuracy from 92.6 % to 93.0 % with the same optimiser
 * (2-grams added nothing there and cost a fifth of the classification time).
 */
export function createFeaturizer(locale: Locale, options: FeatureOptions = DEFAULT_FEATURE_OPTIONS): (text: string) => string[] {
  const stem: Stemmer = stemmerFor(locale);
  const cache = new Map<string, string[]>();
  const wordFeatures = (word: string): string[] => {
    const known = cache.get(word);
    if (known) return known;
    const features = wordFeatureKeys(word, stem, options);
    if (cache.size > 50_000) cache.clear();
    cache.set(word, features);
    return features;
  };
  return (text) => {
    const tokens = words(text);
    const features: string[] = [];
    let previous = '^';
    let previousWord = '';
    for (const word of tokens) {
      const own = wordFeatures(word);
      for (const feature of own) features.push(feature);
      if (previousWord) for (const feature of spanningFeatureKeys(previousWord, word, options)) features.push(feature);
      const current = own[0].slice(1);
      features.push(`b${previous} ${current}`);
      previous = current;
      previousWord = word;
    }
    if (tokens.length > 0) features.push(`b${previous} $`);
    return features;
  };
}

const isNumber = (word: string) => /^\d+$/.test(word);

/** The word-level feature keys of one word: its stem first, then its character n-grams (numbers are all "#"). */
export function wordFeatureKeys(word: string, stem: Stemmer, options: FeatureOptions): string[] {
  const number = isNumber(word);
  const features = [`w${number ? '#' : stem(word)}`];
  const padded = ` ${number ? '#' : word} `;
  for (let size = options.charMin; size <= options.charMax; size++) {
    for (let at = 0; at + size <= padded.length; at++) features.push(`c${padded.slice(at, at + size)}`);
  }
  return features;
}

/** Character n-grams across the boundary of two adjacent words: the space inside, letters of both on its sides. */
export function spanningFeatureKeys(left: string, right: string, options: FeatureOptions): string[] {
  const before = ` ${isNumber(left) ? '#' : left}`;
  const after = `${isNumber(right) ? '#' : right} `;
  const features: string[] = [];
  for (let size = Math.max(3, options.charMin); size <= options.charMax; size++) {
    for (let leftLength = 1; leftLength <= size - 2; leftLength++) {
      const rightLength = size - 1 - leftLength;
      if (leftLength > before.length || rightLength > after.length) continue;
      features.push(`c${before.slice(before.length - leftLength)} ${after.slice(0, rightLength)}`);
    }
  }
  return features;
}

export function groupOf(feature: string): FeatureGroup {
  return feature[0] === 'w' ? 0 : feature[0] === 'b' ? 1 : 2;
}
