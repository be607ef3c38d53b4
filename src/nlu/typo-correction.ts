import { words } from './normalize-text';

/**
 * Typos against the training vocabulary: "my bil has a roaming charge", "laksu on väärin". A word the training data
 * never uses that is a letter short of a word it uses often
 * gets that word added next to it, so the classifier reads both. The word itself stays: an inflected Finnish form or
 * a real word the data lacks keeps its own features, and the added word only helps where the model knew nothing.
 */
export function createTypoCorrector(trainingTexts: string[]): (text: string) => string {
  const counts = new Map<string, number>();
  for (const text of trainingTexts) for (const word of words(text)) if (isPlainWord(word)) counts.set(word, (counts.get(word) ?? 0) + 1);
  // Each frequent word under every form with one letter deleted: a typo shares such a form with the word it misspells.
  const byDeletion = new Map<string, string[]>();
  for (const [word, count] of counts) {
    if (count < MIN_COUNT || word.length < MIN_TARGET_LENGTH) continue;
    for (const form of new Set(deletions(word))) {
      const list = byDeletion.get(form) ?? [];
      list.push(word);
      byDeletion.set(form, list);
    }
  }
  const cache = new Map<string, string | undefined>();

  const correctionOf = (word: string): string | undefined => {
    if (cache.has(word)) return cache.get(word);
    const candidates = byDeletion.get(word) ?? [];
    // Only a missing letter: a word with a letter extra or changed is, in Finnish and Swedish, as often another form of
    // a known word or another word ("laskut", "laskun"; "tili", "tila"), and reading it as the known word cost
    // held-out accuracy when tried.
    const ranked = [...new Set(candidates)].sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0));
    const [best, second] = ranked;
    // Two equally likely readings: guessing would add noise, so neither is added.
    const found = best !== undefined && (second === undefined || (counts.get(best) ?? 0) >= 2 * (counts.get(second) ?? 0)) ? best : undefined;
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(word, found);
    return found;
  };

  return (text) => {
    const added: string[] = [];
    for (const word of words(text)) {
      if (word.length < MIN_WORD_LENGTH || !isPlainWord(word) || counts.has(word)) continue;
      const correction = correctionOf(word);
      if (correction !== undefined && !added.includes(correction)) added.push(correction);
    }
    return added.length === 0 ? text : `${text} ${added.join(' ')}`;
  };
}

/** How often the training data must use a word before a typo is read as it. */
const MIN_COUNT = 3;
/** Words shorter than this are never corrected (too many neighbours). */
const MIN_WORD_LENGTH = 3;
/** A correction is at least this long. */
const MIN_TARGET_LENGTH = 4;
const CACHE_LIMIT = 10_000;

function isPlainWord(word: string): boolean {
  return /^\p{L}+$/u.test(word);
}

/** The word with each one of its letters left out. */
function deletions(word: string): string[] {
  const forms: string[] = [];
  for (let index = 0; index < word.length; index++) forms.push(word.slice(0, index) + word.slice(index + 1));
  return forms;
}
