import type { Locale } from '../../core/turn';

/**
 * Ordinal words for the days of a month (1–31), the forms customers use before a month name: Finnish in the
 * nominative and the essive ("kolmas", "kolmantena joulukuuta"), English ("third", "twenty first"), Swedish
 * ("tredje", "tjugoförsta"). Written out once here so that dates can read "den tredje december".
 */
const FI_UNITS: [nominative: string, essive: string, teen: string, teenEssive: string][] = [
  ['ensimmäinen', 'ensimmäisenä', 'yhdestoista', 'yhdentenätoista'],
  ['toinen', 'toisena', 'kahdestoista', 'kahdentenatoista'],
  ['kolmas', 'kolmantena', 'kolmastoista', 'kolmantenatoista'],
  ['neljäs', 'neljäntenä', 'neljästoista', 'neljäntenätoista'],
  ['viides', 'viidentenä', 'viidestoista', 'viidentenätoista'],
  ['kuudes', 'kuudentena', 'kuudestoista', 'kuudentenatoista'],
  ['seitsemäs', 'seitsemäntenä', 'seitsemästoista', 'seitsemäntenätoista'],
  ['kahdeksas', 'kahdeksantena', 'kahdeksastoista', 'kahdeksantenatoista'],
  ['yhdeksäs', 'yhdeksäntenä', 'yhdeksästoista', 'yhdeksäntenätoista'],
];
const EN_UNITS = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth'];
const EN_TEENS = ['tenth', 'eleventh', 'twelfth', 'thirteenth', 'fourteenth', 'fifteenth', 'sixteenth', 'seventeenth', 'eighteenth', 'nineteenth'];
const SV_UNITS = ['första', 'andra', 'tredje', 'fjärde', 'femte', 'sjätte', 'sjunde', 'åttonde', 'nionde'];
const SV_TEENS = ['tionde', 'elfte', 'tolfte', 'trettonde', 'fjortonde', 'femtonde', 'sextonde', 'sjuttonde', 'artonde', 'nittonde'];

function buildTable(locale: Locale): Map<string, number> {
  const table = new Map<string, number>();
  const add = (word: string, value: number) => table.set(word, value);
  if (locale === 'fi') {
    FI_UNITS.forEach(([nominative, essive, teen, teenEssive], index) => {
      add(nominative, index + 1);
      add(essive, index + 1);
      add(teen, index + 11);
      add(teenEssive, index + 11);
    });
    add('kymmenes', 10);
    add('kymmenentenä', 10);
    for (const [tens, tensEssive, base] of [['kahdeskymmenes', 'kahdentenakymmenentenä', 20], ['kolmaskymmenes', 'kolmantenakymmenentenä', 30]] as const) {
      add(tens, base);
      add(tensEssive, base);
      // "kahdeskymmenesensimmäinen", "kahdeskymmenesyhdes", "kolmaskymmenesensimmäinen".
      for (const [index, [nominative]] of FI_UNITS.entries()) {
        if (base + index + 1 > 31) break;
        add(tens + nominative, base + index + 1);
        if (index < 2) add(tens + ['yhdes', 'kahdes'][index], base + index + 1);
      }
    }
  } else if (locale === 'en') {
    EN_UNITS.forEach((word, index) => add(word, index + 1));
    EN_TEENS.forEach((word, index) => add(word, index + 10));
    add('twentieth', 20);
    add('thirtieth', 30);
    EN_UNITS.forEach((word, index) => add(`twenty ${word}`, 21 + index));
    add('thirty first', 31);
  } else {
    SV_UNITS.forEach((word, index) => add(word, index + 1));
    SV_TEENS.forEach((word, index) => add(word, index + 10));
    add('tjugonde', 20);
    add('trettionde', 30);
    SV_UNITS.forEach((word, index) => add(`tjugo${word}`, 21 + index));
    add('trettioförsta', 31);
  }
  return table;
}

const TABLES: Record<Locale, Map<string, number>> = { fi: buildTable('fi'), en: buildTable('en'), sv: buildTable('sv') };

/**
 * The day-of-month ordinal that starts at `at` in the normalised words, with how many words it takes
 * ("twenty first" is two), or undefined. A digit ordinal ("3rd", "3.") is read by the caller.
 */
export function ordinalAt(norms: string[], at: number, locale: Locale): { value: number; words: number } | undefined {
  const table = TABLES[locale];
  const word = norms[at];
  if (word === undefined) return undefined;
  const pair = norms[at + 1] !== undefined ? table.get(`${word} ${norms[at + 1]}`) : undefined;
  if (pair !== undefined) return { value: pair, words: 2 };
  // English "twenty-first" arrives as one token when hyphens are kept, as two otherwise.
  const single = table.get(word) ?? table.get(word.replace('-', ' '));
  return single === undefined ? undefined : { value: single, words: 1 };
}

/** The ordinal that ends at `at` (for "the third of December" read backwards from the month), or undefined. */
export function ordinalEndingAt(norms: string[], at: number, locale: Locale): { value: number; words: number } | undefined {
  const two = at >= 1 ? ordinalAt(norms, at - 1, locale) : undefined;
  if (two?.words === 2) return two;
  const one = ordinalAt(norms, at, locale);
  return one?.words === 1 ? one : undefined;
}
