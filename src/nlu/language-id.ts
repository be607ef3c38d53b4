import type { Locale } from '../core/turn';
import { words } from './normalize-text';

// Function words that every customer message is full of; they keep the identifier sound when a locale's
// training data is small or all about one topic.
const SEED_TEXT: Record<Locale, string> = {
  fi: 'minä sinä hän me te he on ei en et ole olen oli ja tai mutta kun jos että mikä mitä missä miten milloin kuka miksi haluan haluaisin '
    + 'voin voitteko voisitteko onko tämä tuo se ne kiitos hei moi terve apua minun sinun meidän teidän kanssa vielä jo nyt tänään huomenna '
    + 'paljonko kuinka pitää pitäisi saada saanko tarvitsen olisi ihan joo kyllä tilaus lasku asiakas palvelu puhelin netti toimi',
  en: 'i you he she we they is are am was not do does did and or but when if that what where how why who want would like can could '
    + 'please thanks thank you hello hi help the a an my your our their with still already now today tomorrow much many need should get '
    + 'is there yes no order bill customer service phone internet work working',
  sv: 'jag du han hon vi ni de är var inte och eller men när om att vad var hur varför vem vill skulle kan kunde tack hej hjälp '
    + 'min mitt mina din ditt vår med fortfarande redan nu idag i morgon mycket behöver borde få finns det ja nej beställning faktura '
    + 'kund kundtjänst telefon internet fungerar',
};

export interface LanguageIdentifier {
  /** The language of `text`, or undefined when the text is too short or the languages are too close to tell. */
  identify(text: string): Locale | undefined;
  /** Scores per locale (mean log-likelihood per n-gram), for tests and tuning. */
  scores(text: string): Partial<Record<Locale, number>>;
}

const MIN_WORDS = 2;
const MIN_LETTERS = 8;
/** Mean per-n-gram log-likelihood lead the winner needs. */
const MIN_MARGIN = 0.12;

function grams(text: string): string[] {
  const result: string[] = [];
  for (const word of words(text)) {
    if (/\d/.test(word)) continue;
    const padded = ` ${word} `;
    for (let size = 1; size <= 3; size++) for (let at = 0; at + size <= padded.length; at++) result.push(padded.slice(at, at + size));
  }
  return result;
}

/**
 * A character 1–3-gram naive Bayes over the configured locales, trained from their NLU data plus common
 * function words. Short or close-call inputs give undefined so the conversation keeps its language.
 */
export function createLanguageIdentifier(samples: Partial<Record<Locale, string[]>>): LanguageIdentifier {
  const locales = Object.keys(samples) as Locale[];
  const models = new Map<Locale, { counts: Map<string, number>; total: number }>();
  const vocabulary = new Set<string>();
  for (const locale of locales) {
    const counts = new Map<string, number>();
    let total = 0;
    for (const text of [SEED_TEXT[locale], SEED_TEXT[locale], ...(samples[locale] ?? [])]) {
      for (const gram of grams(text)) {
        counts.set(gram, (counts.get(gram) ?? 0) + 1);
        vocabulary.add(gram);
        total++;
      }
    }
    models.set(locale, { counts, total });
  }
  // One lookup per n-gram: the log-probabilities of all locales side by side, unseen n-grams get the floor.
  const logProbabilities = new Map<string, Float64Array>();
  const unseen = Float64Array.from(locales, (locale) => Math.log(0.5 / ((models.get(locale)?.total ?? 0) + 0.5 * vocabulary.size)));
  for (const gram of vocabulary) {
    logProbabilities.set(gram, Float64Array.from(locales, (locale) => {
      const model = models.get(locale);
      return Math.log(((model?.counts.get(gram) ?? 0) + 0.5) / ((model?.total ?? 0) + 0.5 * vocabulary.size));
    }));
  }
  const sums = new Float64Array(locales.length);
  const scores = (text: string): Partial<Record<Locale, number>> => {
    const textGrams = grams(text);
    sums.fill(0);
    for (const gram of textGrams) {
      const row = logProbabilities.get(gram) ?? unseen;
      for (let at = 0; at < row.length; at++) sums[at] += row[at];
    }
    const result: Partial<Record<Locale, number>> = {};
    locales.forEach((locale, at) => { result[locale] = textGrams.length ? sums[at] / textGrams.length : 0; });
    return result;
  };
  return {
    scores,
    identify(text) {
      if (locales.length < 2 || typeof text !== 'string') return undefined;
      const tokens = words(text).filter((word) => !/\d/.test(word));
      if (tokens.length < MIN_WORDS || tokens.join('').length < MIN_LETTERS) return undefined;
      const ranked = Object.entries(scores(text)).sort((a, b) => b[1] - a[1]);
      if (ranked.length < 2 || ranked[0][1] - ranked[1][1] < MIN_MARGIN) return undefined;
      return ranked[0][0] as Locale;
    },
  };
}
