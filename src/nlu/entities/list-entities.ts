import type { Locale } from '../../core/turn';
import type { ListEntityValue } from '../load-nlu-data';
import { tokenize, type Token } from '../normalize-text';
import { stemmerFor } from '../stem-word';

/** Damerau-Levenshtein (optimal string alignment) distance, stopping early above `limit`. */
export function editDistance(a: string, b: string, limit = 2): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    let rowMin = Infinity;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, rows[i - 2][j - 2] + 1);
      rows[i][j] = value;
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
  }
  return rows[a.length][b.length];
}

export interface ListMatch {
  type: string;
  value: string;
  startToken: number;
  endToken: number;
  /** 0 for an exact match; fuzzy and stem matches rank lower. */
  distance: number;
}

interface Phrase {
  type: string;
  value: string;
  words: string[];
  stems: string[];
}

/**
 * Custom list entities from nlu.yaml. A word matches exactly, by stem ("reitittimeni" ~ "reititin" via the
 * shared stem prefix), or within one typo (Damerau-Levenshtein ≤ 1) for words of five letters or more.
 */
export function createListMatcher(locale: Locale, lists: Record<string, ListEntityValue[]>): (tokens: Token[]) => ListMatch[] {
  const stem = stemmerFor(locale);
  const phrases: Phrase[] = [];
  for (const [type, values] of Object.entries(lists)) {
    for (const entry of values) {
      for (const surface of [entry.value, ...entry.synonyms]) {
        const words = tokenize(surface).map((token) => token.norm);
        if (words.length > 0) phrases.push({ type, value: entry.value, words, stems: words.map(stem) });
      }
    }
  }
  const wordDistance = (token: string, word: string, wordStem: string): number => {
    if (token === word) return 0;
    const tokenStem = stem(token);
    if (tokenStem === wordStem && wordStem.length >= 3) return 0.5;
    // Finnish inflects the stem itself ("reititin" → "reitittimen"): a long shared beginning is enough.
    if (locale === 'fi' && wordStem.length >= 5 && token.startsWith(wordStem.slice(0, Math.max(5, wordStem.length - 1)))) return 0.5;
    if (word.length >= 5 && token.length >= 4 && editDistance(token, word, 1) <= 1) return 1;
    return Infinity;
  };
  return (tokens) => {
    const matches: ListMatch[] = [];
    for (let at = 0; at < tokens.length; at++) {
      for (const phrase of phrases) {
        if (at + phrase.words.length > tokens.length) continue;
        let distance = 0;
        for (let index = 0; index < phrase.words.length && distance < Infinity; index++) {
          distance += wordDistance(tokens[at + index].norm, phrase.words[index], phrase.stems[index]);
        }
        if (distance < Infinity) matches.push({ type: phrase.type, value: phrase.value, startToken: at, endToken: at + phrase.words.length - 1, distance });
      }
    }
    // Longest, then closest match wins where matches overlap.
    matches.sort((a, b) => (b.endToken - b.startToken) - (a.endToken - a.startToken) || a.distance - b.distance || a.startToken - b.startToken);
    const taken: ListMatch[] = [];
    for (const match of matches) {
      if (!taken.some((other) => other.type === match.type && other.startToken <= match.endToken && match.startToken <= other.endToken)) taken.push(match);
    }
    return taken.sort((a, b) => a.startToken - b.startToken);
  };
}
