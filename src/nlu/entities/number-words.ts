import type { Locale } from '../../core/turn';
import type { Token } from '../normalize-text';

type Part = { kind: 'unit' | 'ten' | 'teen-suffix' | 'tens-suffix' | 'hundred' | 'thousand'; value: number };

// Morphemes that compound number words are built of ("kaksikymmentäkolme", "tvåhundratjugo").
const PARTS: Record<Locale, Record<string, Part>> = {
  fi: {
    nolla: { kind: 'unit', value: 0 }, yksi: { kind: 'unit', value: 1 }, yks: { kind: 'unit', value: 1 }, kaksi: { kind: 'unit', value: 2 }, kaks: { kind: 'unit', value: 2 },
    kolme: { kind: 'unit', value: 3 }, neljä: { kind: 'unit', value: 4 }, viisi: { kind: 'unit', value: 5 }, viis: { kind: 'unit', value: 5 },
    kuusi: { kind: 'unit', value: 6 }, kuus: { kind: 'unit', value: 6 }, seitsemän: { kind: 'unit', value: 7 }, seittemän: { kind: 'unit', value: 7 },
    kahdeksan: { kind: 'unit', value: 8 }, kaheksan: { kind: 'unit', value: 8 }, yhdeksän: { kind: 'unit', value: 9 }, yheksän: { kind: 'unit', value: 9 },
    kymmenen: { kind: 'ten', value: 10 }, toista: { kind: 'teen-suffix', value: 10 }, kymmentä: { kind: 'tens-suffix', value: 10 },
    sata: { kind: 'hundred', value: 100 }, sataa: { kind: 'hundred', value: 100 }, tuhat: { kind: 'thousand', value: 1000 }, tuhatta: { kind: 'thousand', value: 1000 },
  },
  sv: {
    noll: { kind: 'unit', value: 0 }, ett: { kind: 'unit', value: 1 }, en: { kind: 'unit', value: 1 }, två: { kind: 'unit', value: 2 }, tre: { kind: 'unit', value: 3 },
    fyra: { kind: 'unit', value: 4 }, fem: { kind: 'unit', value: 5 }, sex: { kind: 'unit', value: 6 }, sju: { kind: 'unit', value: 7 }, åtta: { kind: 'unit', value: 8 },
    nio: { kind: 'unit', value: 9 }, tio: { kind: 'ten', value: 10 }, elva: { kind: 'ten', value: 11 }, tolv: { kind: 'ten', value: 12 }, tretton: { kind: 'ten', value: 13 },
    fjorton: { kind: 'ten', value: 14 }, femton: { kind: 'ten', value: 15 }, sexton: { kind: 'ten', value: 16 }, sjutton: { kind: 'ten', value: 17 },
    arton: { kind: 'ten', value: 18 }, nitton: { kind: 'ten', value: 19 }, tjugo: { kind: 'ten', value: 20 }, trettio: { kind: 'ten', value: 30 },
    fyrtio: { kind: 'ten', value: 40 }, femtio: { kind: 'ten', value: 50 }, sextio: { kind: 'ten', value: 60 }, sjuttio: { kind: 'ten', value: 70 },
    åttio: { kind: 'ten', value: 80 }, nittio: { kind: 'ten', value: 90 }, hundra: { kind: 'hundred', value: 100 }, tusen: { kind: 'thousand', value: 1000 },
  },
  en: {
    zero: { kind: 'unit', value: 0 }, one: { kind: 'unit', value: 1 }, two: { kind: 'unit', value: 2 }, three: { kind: 'unit', value: 3 },
    four: { kind: 'unit', value: 4 }, five: { kind: 'unit', value: 5 }, six: { kind: 'unit', value: 6 }, seven: { kind: 'unit', value: 7 }, eight: { kind: 'unit', value: 8 },
    nine: { kind: 'unit', value: 9 }, ten: { kind: 'ten', value: 10 }, eleven: { kind: 'ten', value: 11 }, twelve: { kind: 'ten', value: 12 },
    thirteen: { kind: 'ten', value: 13 }, fourteen: { kind: 'ten', value: 14 }, fifteen: { kind: 'ten', value: 15 }, sixteen: { kind: 'ten', value: 16 },
    seventeen: { kind: 'ten', value: 17 }, eighteen: { kind: 'ten', value: 18 }, nineteen: { kind: 'ten', value: 19 }, twenty: { kind: 'ten', value: 20 },
    thirty: { kind: 'ten', value: 30 }, forty: { kind: 'ten', value: 40 }, fifty: { kind: 'ten', value: 50 }, sixty: { kind: 'ten', value: 60 },
    seventy: { kind: 'ten', value: 70 }, eighty: { kind: 'ten', value: 80 }, ninety: { kind: 'ten', value: 90 }, hundred: { kind: 'hundred', value: 100 },
    thousand: { kind: 'thousand', value: 1000 },
  },
};

/** Splits a word into number morphemes, longest first; undefined when it is not a number word. */
const SORTED_KEYS = new Map<Record<string, Part>, string[]>();

function splitParts(word: string, parts: Record<string, Part>): Part[] | undefined {
  if (word === '') return [];
  let sorted = SORTED_KEYS.get(parts);
  if (!sorted) {
    sorted = Object.keys(parts).sort((a, b) => b.length - a.length);
    SORTED_KEYS.set(parts, sorted);
  }
  for (const key of sorted) {
    if (!word.startsWith(key)) continue;
    const rest = splitParts(word.slice(key.length), parts);
    if (rest) return [parts[key], ...rest];
  }
  return undefined;
}

/** The value of a sequence of number morphemes ("kaksi sataa kolme kymmentä" = 230); undefined if malformed. */
function evaluate(parts: Part[]): number | undefined {
  let total = 0;
  let group = 0;
  let pending: number | undefined;
  for (const part of parts) {
    if (part.kind === 'unit') {
      if (pending !== undefined) return undefined;
      pending = part.value;
    } else if (part.kind === 'ten') {
      if (pending !== undefined) return undefined;
      group += part.value;
    } else if (part.kind === 'teen-suffix') {
      if (pending === undefined) return undefined;
      group += pending + 10;
      pending = undefined;
    } else if (part.kind === 'tens-suffix') {
      if (pending === undefined) return undefined;
      group += pending * 10;
      pending = undefined;
    } else if (part.kind === 'hundred') {
      group = (group + (pending ?? 0) || 1) * 100;
      pending = undefined;
    } else {
      total += (group + (pending ?? 0) || 1) * 1000;
      group = 0;
      pending = undefined;
    }
  }
  return total + group + (pending ?? 0);
}

const PARTS_CACHE: Record<Locale, Map<string, Part[] | undefined>> = { fi: new Map(), en: new Map(), sv: new Map() };

/** The number morphemes of a word, memoised: customers use the same few hundred words again and again. */
function partsOf(word: string, locale: Locale): Part[] | undefined {
  // No number word is longer than 40 letters; the cap also bounds the backtracking split.
  if (/^\d/.test(word) || word.length > 40) return undefined;
  const cache = PARTS_CACHE[locale];
  if (cache.has(word)) return cache.get(word);
  const parts = splitParts(word.replace(/['-]/g, ''), PARTS[locale]);
  if (cache.size > 20_000) cache.clear();
  cache.set(word, parts);
  return parts;
}

/** A number said in words, or digits said one by one ("yksi kaksi kolme" → digits "123"). */
export interface NumberSpan {
  value: number;
  /** Set when the words were single digits read one after the other: the digit string. */
  digits?: string;
  startToken: number;
  endToken: number;
}

/** Finds numbers written as words in the tokens, longest first. */
export function findNumberWords(tokens: Token[], locale: Locale): NumberSpan[] {
  const wordParts = tokens.map((token) => partsOf(token.norm, locale));
  const spans: NumberSpan[] = [];
  let at = 0;
  while (at < tokens.length) {
    if (!wordParts[at] || (locale === 'sv' && tokens[at].norm === 'en' && !wordParts[at + 1])) {
      at++;
      continue;
    }
    // Digits read one by one: "yksi kaksi kolme", "four five six".
    let end = at;
    while (end < tokens.length && wordParts[end]?.length === 1 && wordParts[end]?.[0].kind === 'unit') end++;
    if (end - at >= 2) {
      const digits = wordParts.slice(at, end).map((p) => String(p?.[0].value)).join('');
      spans.push({ value: Number(digits), digits, startToken: at, endToken: end - 1 });
      at = end;
      continue;
    }
    // Otherwise the longest run of words that evaluates as one number ("kaksikymmentä kolme", "twenty three").
    let best: NumberSpan | undefined;
    const run: Part[] = [];
    for (end = at; end < tokens.length && wordParts[end]; end++) {
      run.push(...(wordParts[end] ?? []));
      const value = evaluate(run);
      if (value === undefined) break;
      best = { value, startToken: at, endToken: end };
      if (tokens[end + 1]?.norm === 'and' && wordParts[end + 2]) end++;
    }
    if (best) {
      spans.push(best);
      at = best.endToken + 1;
    } else at++;
  }
  return spans;
}
