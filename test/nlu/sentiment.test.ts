import { join } from 'node:path';
import type { Locale } from '../../src/core/turn';
import { loadSentimentLexicon } from '../../src/nlu/load-nlu-data';
import { createSentimentAnalyser, createSentimentScorer } from '../../src/nlu/sentiment';

const scorers = Object.fromEntries((['fi', 'en', 'sv'] as Locale[]).map((locale) => [
  locale, createSentimentScorer(loadSentimentLexicon(join(__dirname, '../../locales', locale, 'sentiment.yaml'))),
])) as Record<Locale, (text: string) => number>;

type Row = [Locale, string, 'positive' | 'negative' | 'neutral'];

const rows: Row[] = [
  ['fi', 'olen tyytyväinen palveluun', 'positive'],
  ['fi', 'en ole tyytyväinen', 'negative'],
  ['fi', 'en ole yhtään tyytyväinen palveluunne', 'negative'],
  ['fi', 'kiitos paljon, tosi hyvää palvelua', 'positive'],
  ['fi', 'tämä on ihan surkeaa', 'negative'],
  ['fi', 'ei ole huono', 'positive'],
  ['fi', 'netti ei toimi', 'negative'],
  ['fi', 'olen todella vihainen', 'negative'],
  ['fi', 'palvelu oli hidasta mutta lopulta ongelma ratkesi', 'positive'],
  ['fi', 'missä tilaukseni on', 'neutral'],
  ['en', 'thank you, that was great', 'positive'],
  ['en', 'I am not happy at all', 'negative'],
  ['en', 'this is the worst service ever', 'negative'],
  ['en', 'not bad', 'positive'],
  ['en', 'where is my order', 'neutral'],
  ['en', 'really really terrible!!!', 'negative'],
  ['sv', 'tack, det var jättebra', 'positive'],
  ['sv', 'jag är inte nöjd', 'negative'],
  ['sv', 'internet fungerar inte', 'negative'],
  ['sv', 'väldigt dålig service', 'negative'],
  ['sv', 'var är min beställning', 'neutral'],
  // Spoken Finnish (ea → ee, oa → oo, ua → uu, yä → yy) and emoji carry the same feeling as the written forms.
  ['fi', 'surkee palvelu', 'negative'],
  ['fi', 'ihan kauhee homma', 'negative'],
  ['fi', 'tosi hyvä palvelu 👍', 'positive'],
  ['fi', 'missä mun tilaus on 😡', 'negative'],
  ['en', 'where is my order 🙂', 'positive'],
  ['sv', 'tack 👎', 'negative'],
];

describe('sentiment', () => {
  test.each(rows)('%s: %s is %s', (locale, text, expected) => {
    const score = scorers[locale](text);
    if (expected === 'positive') expect(score).toBeGreaterThan(0.1);
    if (expected === 'negative') expect(score).toBeLessThan(-0.1);
    if (expected === 'neutral') expect(score).toBe(0);
  });

  test('scores stay within [-1, 1] and intensifiers strengthen', () => {
    const angry = scorers.fi('vittu mikä paska palvelu, aivan surkea, kamala, järkyttävä, olen raivoissani!!!');
    expect(angry).toBeGreaterThanOrEqual(-1);
    expect(angry).toBeLessThan(-0.9);
    expect(scorers.fi('erittäin huono')).toBeLessThan(scorers.fi('huono'));
    expect(scorers.en('very good')).toBeGreaterThan(scorers.en('good'));
  });

  test('empty or odd input is neutral', () => {
    expect(scorers.fi('')).toBe(0);
    expect(scorers.en('!!!')).toBe(0);
    expect(scorers.sv('12345')).toBe(0);
  });

  test('counts the evaluative words, so a mixed evaluation is told from a line with none', () => {
    const analyse = createSentimentAnalyser(loadSentimentLexicon(join(__dirname, '../../locales/fi/sentiment.yaml')));
    const mixed = analyse('no ihan jees mut vähä hidas');
    expect(Math.abs(mixed.score)).toBeLessThan(0.2);
    expect(mixed.evaluativeWords).toBe(2);
    expect(analyse('missä tilaukseni on')).toEqual({ score: 0, evaluativeWords: 0 });
    expect(analyse('👍').evaluativeWords).toBe(1);
  });
});
