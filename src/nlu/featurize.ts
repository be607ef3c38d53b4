import type { Locale } from '../core/turn';
import { words } from './normalize-text';
import { stemmerFor, type Stemmer } from './stem-word';

/** Feature groups: stems, stem bigrams and character n-grams are weighted against each other as groups. */
export const FEATURE_GROUPS = ['w', 'b', 'c'] as const;
export type FeatureGroup = 0 | 1 | 2;

export interface FeatureOptions {
  /** Shortest and longest character n-gram (inside words, padded with spaces). */
  charMin: number;
  charMax: number;
}

export const DEFAULT_FEATURE_OPTIONS: FeatureOptions = { charMin: 3, charMax: 4 };

/**
 * Turns an utterance into feature keys: stemmed words, stem bigrams and character n-grams of each word.
 * The n-grams make the classifier robust to Finnish inflection and compounds, and to typos.
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
    for (const word of tokens) {
      const own = wordFeatures(word);
      for (const feature of own) features.push(feature);
      const current = own[0].slice(1);
      features.push(`b${previous} ${current}`);
      previous = current;
    }
    if (tokens.length > 0) features.push(`b${previous} $`);
    return features;
  };
}

/** The word-level feature keys of one word: its stem first, then its character n-grams. */
export function wordFeatureKeys(word: string, stem: Stemmer, options: FeatureOptions): string[] {
  const isNumber = /^\d+$/.test(word);
  const features = [`w${isNumber ? '#' : stem(word)}`];
  if (!isNumber && word.length > 2) {
    const padded = ` ${word} `;
    for (let size = options.charMin; size <= options.charMax; size++) {
      for (let at = 0; at + size <= padded.length; at++) features.push(`c${padded.slice(at, at + size)}`);
    }
  }
  return features;
}

export function groupOf(feature: string): FeatureGroup {
  return feature[0] === 'w' ? 0 : feature[0] === 'b' ? 1 : 2;
}
