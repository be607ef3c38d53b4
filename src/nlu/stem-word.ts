import porterEn from 'natural/lib/natural/stemmers/porter_stemmer';
import porterSv from 'natural/lib/natural/stemmers/porter_stemmer_sv';
import type { Locale } from '../core/turn';

// natural has no Finnish stemmer. This light suffix stripper removes clitics, possessive suffixes and the
// common case endings; the classifier's character n-grams catch what it misses (gradation, compounds).
const FI_CLITICS = ['kaan', 'kään', 'kin', 'han', 'hän', 'ko', 'kö', 'pa', 'pä'];
const FI_POSSESSIVES = ['mme', 'nne', 'nsa', 'nsä', 'ni', 'si', 'an', 'en', 'än'];
const FI_CASES = [
  'isiin', 'iseen', 'isten', 'isissa', 'isissä', 'iselle', 'isella', 'isellä',
  'seen', 'siin', 'hin', 'iin', 'ssa', 'ssä', 'sta', 'stä', 'lla', 'llä', 'lta', 'ltä', 'lle', 'ksi', 'tta', 'ttä',
  'ine', 'ina', 'inä', 'ita', 'itä', 'ista', 'istä', 'illa', 'illä', 'ille', 'issa', 'issä', 'ien', 'jen',
  'ja', 'jä', 'ta', 'tä', 'in', 'n', 't', 'a', 'ä', 'i',
];
const FI_MIN_STEM = 3;

function stripOne(word: string, suffixes: readonly string[], minStem: number): string {
  for (const suffix of suffixes) {
    if (word.length - suffix.length >= minStem && word.endsWith(suffix)) return word.slice(0, -suffix.length);
  }
  return word;
}

/** A light Finnish stemmer: "tilaukseni" → "tilaukse", "laskussa" → "lasku", "palvelusta" → "palvelu". */
export function stemFinnish(word: string): string {
  if (word.length <= FI_MIN_STEM + 1 || /\d/.test(word)) return word;
  let stem = stripOne(word, FI_CLITICS, FI_MIN_STEM + 1);
  stem = stripOne(stem, FI_POSSESSIVES.slice(0, 6), FI_MIN_STEM + 1);
  stem = stripOne(stem, FI_CASES, FI_MIN_STEM);
  // The inflection stem "tilaukse-" belongs to "tilaus"; a final stem vowel is dropped so that "lasku" and
  // "laskun" meet at "lask".
  if (stem.endsWith('kse') && stem.length > 5) return stem.slice(0, -3) + 's';
  stem = stem.replace(/([aeiouyäö])\1$/, '$1');
  if (/[aeiouyäö]$/.test(stem) && stem.length > FI_MIN_STEM + 1) stem = stem.slice(0, -1);
  return stem;
}

export type Stemmer = (word: string) => string;

/** The stemmer for a locale (Porter for en and sv from natural, our own for fi). */
export function stemmerFor(locale: Locale): Stemmer {
  if (locale === 'fi') return stemFinnish;
  if (locale === 'sv') return (word) => (/\d/.test(word) ? word : porterSv.stem(word));
  return (word) => (/\d/.test(word) ? word : porterEn.stem(word));
}
