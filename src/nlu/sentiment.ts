import { words } from './normalize-text';

/** A sentiment lexicon as read from `locales/<lang>/sentiment.yaml`. Words ending in `*` match any ending. */
export interface SentimentLexicon {
  positive: Record<string, number>;
  negative: Record<string, number>;
  /** Words that flip the polarity of what follows ("en", "ei", "not", "inte"). */
  negations: string[];
  /** Words that strengthen (weight > 1) or soften (< 1) what follows ("todella", "very", "lite"). */
  intensifiers: Record<string, number>;
  /** "mutta", "but", "men": what follows counts more than what came before. */
  contrasts: string[];
}

export function emptyLexicon(): SentimentLexicon {
  return { positive: {}, negative: {}, negations: [], intensifiers: {}, contrasts: [] };
}

/** How far back a negation or intensifier reaches ("en ole kovin tyytyväinen"). */
const SCOPE = 3;
/** A negated word keeps part of its strength, flipped ("not good" is milder than "bad"). */
const NEGATION_FACTOR = -0.75;
/** Normalisation constant of score / sqrt(score² + ALPHA) (as in VADER), mapping the sum into (-1, 1). */
const ALPHA = 4;

interface CompiledTable {
  exact: Map<string, number>;
  prefixes: [string, number][];
  misses: Set<string>;
}

function compile(table: Record<string, number>): CompiledTable {
  const exact = new Map<string, number>();
  const prefixes: [string, number][] = [];
  for (const [word, weight] of Object.entries(table)) {
    if (word.endsWith('*')) prefixes.push([word.slice(0, -1), weight]);
    else exact.set(word, weight);
  }
  prefixes.sort((a, b) => b[0].length - a[0].length);
  return { exact, prefixes, misses: new Set() };
}

function lookup(table: CompiledTable, word: string): number | undefined {
  const exact = table.exact.get(word);
  if (exact !== undefined) return exact;
  if (table.misses.has(word)) return undefined;
  for (const [prefix, weight] of table.prefixes) {
    if (word.startsWith(prefix)) {
      table.exact.set(word, weight);
      return weight;
    }
  }
  // Remember words that match nothing, so the prefix scan runs once per word (bounded for long-running servers).
  if (table.misses.size > 50_000) table.misses.clear();
  table.misses.add(word);
  return undefined;
}

/**
 * Spoken Finnish drops the last vowel pair ("surkee" for "surkea", "huonoo" for "huonoa"): the written forms to try
 * when a word is not in the lexicon as it is.
 */
function colloquialForms(word: string): string[] {
  if (word.length < 4) return [];
  const ending = word.slice(-2);
  const stem = word.slice(0, -2);
  if (ending === 'ee') return [`${stem}ea`, `${stem}eä`];
  if (ending === 'oo') return [`${stem}oa`];
  if (ending === 'uu') return [`${stem}ua`];
  if (ending === 'yy') return [`${stem}yä`];
  return [];
}

/** Emoji say as much as words in a chat ("surkee palvelu 👎"); the same in every language. */
const EMOJI: Record<string, number> = {
  '👍': 1.5, '👌': 1.3, '😊': 1.3, '🙂': 1, '😀': 1.3, '😃': 1.3, '😄': 1.3, '😁': 1.3, '❤️': 1.8, '❤': 1.8, '💯': 1.8, '🙏': 1, '🥰': 1.8, '😍': 1.8, '⭐': 1,
  '👎': -1.8, '😡': -2.2, '😠': -2, '🤬': -2.5, '😤': -1.5, '😞': -1.3, '😢': -1.3, '😭': -1.6, '💩': -2, '🙄': -1.2, '😒': -1.2, '😩': -1.4, '😫': -1.4,
};
const EMOJI_PATTERN = new RegExp(Object.keys(EMOJI).sort((a, b) => b.length - a.length).map((emoji) => emoji.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'gu');

/** Builds a scorer: text → sentiment in [-1, 1], with negation, intensifiers and contrast ("mutta"). */
export function createSentimentScorer(lexicon: SentimentLexicon): (text: string) => number {
  const analyse = createSentimentAnalyser(lexicon);
  return (text) => analyse(text).score;
}

/**
 * The score and how many evaluative words and emoji it rests on: "ihan jees mut vähä hidas" scores near 0 but is an
 * evaluation (a middling one), unlike a line with no evaluative word at all.
 */
export function createSentimentAnalyser(lexicon: SentimentLexicon): (text: string) => { score: number; evaluativeWords: number } {
  const positive = compile(lexicon.positive);
  const negative = compile(lexicon.negative);
  const intensifiers = compile(lexicon.intensifiers);
  const negations = new Set(lexicon.negations);
  const contrasts = new Set(lexicon.contrasts);
  const polarity = (word: string): [number | undefined, number | undefined] => {
    for (const form of [word, ...colloquialForms(word)]) {
      const plus = lookup(positive, form);
      if (plus !== undefined) return [plus, undefined];
      const minus = lookup(negative, form);
      if (minus !== undefined) return [undefined, minus];
    }
    return [undefined, undefined];
  };
  return (text) => {
    const tokens = words(text);
    let evaluativeWords = 0;
    let total = 0;
    let clause = 0;
    for (let at = 0; at < tokens.length; at++) {
      const word = tokens[at];
      if (contrasts.has(word)) {
        total += clause * 0.5;
        clause = 0;
        continue;
      }
      if (negations.has(word) || lookup(intensifiers, word) !== undefined) continue;
      const [plus, minus] = polarity(word);
      if (plus === undefined && minus === undefined) continue;
      evaluativeWords += 1;
      let value = plus ?? -(minus ?? 0);
      for (let back = at - 1; back >= Math.max(0, at - SCOPE); back--) {
        const previous = tokens[back];
        if (contrasts.has(previous)) break;
        if (negations.has(previous)) value *= NEGATION_FACTOR;
        const boost = lookup(intensifiers, previous);
        if (boost !== undefined) value *= boost;
      }
      // Swedish puts the negation after the verb: "fungerar inte", "är inte nöjd" (the latter is caught above).
      if (negations.has(tokens[at + 1] ?? '') && !negations.has(tokens[at - 1] ?? '')) value *= NEGATION_FACTOR;
      clause += value;
    }
    total += clause;
    for (const match of text.matchAll(EMOJI_PATTERN)) {
      total += EMOJI[match[0]] ?? 0;
      evaluativeWords += 1;
    }
    const exclamations = Math.min((text.match(/!/g) ?? []).length, 3);
    total *= 1 + exclamations * 0.15;
    if (total === 0) return { score: 0, evaluativeWords };
    return { score: Math.max(-1, Math.min(1, total / Math.sqrt(total * total + ALPHA))), evaluativeWords };
  };
}
