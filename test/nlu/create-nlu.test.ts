import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OUT_OF_SCOPE } from '../../src/core/nlu';
import { createNlu } from '../../src/nlu/create-nlu';
import { loadNluData } from '../../src/nlu/load-nlu-data';
import { writeLocales } from './nlu-fixtures';

const NOW = Date.parse('2026-12-02T10:00:00+02:00');

describe('createNlu', () => {
  const localesDir = writeLocales();
  const data = loadNluData(localesDir, ['fi', 'en', 'sv']);
  const cacheDir = mkdtempSync(join(tmpdir(), 'aspa-nlu-cache-'));
  const nlu = createNlu(data, { cacheDir, now: () => NOW });

  test('understands inflected Finnish it was not trained on', () => {
    expect(nlu.understand('tilaukseni ei ole vielä saapunut', { locale: 'fi' }).intent).toBe('order_status');
    expect(nlu.understand('laskussa on virheitä', { locale: 'fi' }).intent).toBe('billing_dispute');
    expect(nlu.understand('salasanani unohtui', { locale: 'fi' }).intent).toBe('password_reset');
    expect(nlu.understand('MILLOIN OLETTE AUKI', { locale: 'fi' }).intent).toBe('faq.opening_hours');
  });

  test('returns a ranked list with confidences that sum to at most 1', () => {
    const result = nlu.understand('missä on tilaukseni', { locale: 'fi' });
    expect(result.ranking[0].intent).toBe('order_status');
    const total = result.ranking.reduce((sum, entry) => sum + entry.confidence, 0);
    expect(total).toBeLessThanOrEqual(1.0001);
    for (let at = 1; at < result.ranking.length; at++) expect(result.ranking[at - 1].confidence).toBeGreaterThanOrEqual(result.ranking[at].confidence);
  });

  test('says oos for gibberish, empty text and out-of-scope training examples', () => {
    expect(nlu.understand('', { locale: 'fi' }).intent).toBe(OUT_OF_SCOPE);
    expect(nlu.understand('?!', { locale: 'fi' }).intent).toBe(OUT_OF_SCOPE);
    expect(nlu.understand('kerro vitsi', { locale: 'fi' }).intent).toBe(OUT_OF_SCOPE);
    expect(nlu.understand(undefined as unknown as string, { locale: 'fi' }).intent).toBe(OUT_OF_SCOPE);
  });

  test('a threshold override rejects everything below it', () => {
    const strict = createNlu(data, { cacheDir, oosThreshold: { fi: 0.999999 } });
    expect(strict.understand('laskussani on virhe ja tilaus myöhässä', { locale: 'fi' }).intent).toBe(OUT_OF_SCOPE);
    expect(() => createNlu(data, { oosThreshold: { fi: 2 } })).toThrow(/oosThreshold.fi must be a number from 0 to 1/);
  });

  test('identifies the language of longer inputs and leaves short ones undefined', () => {
    expect(nlu.understand('where is my order please', { locale: 'fi' }).language).toBe('en');
    expect(nlu.understand('where is my order please', { locale: 'fi' }).intent).toBe('order_status');
    expect(nlu.understand('jag har glömt mitt lösenord', { locale: 'fi' }).language).toBe('sv');
    expect(nlu.understand('missä tilaukseni on', { locale: 'en' }).language).toBe('fi');
    expect(nlu.understand('ok', { locale: 'en' }).language).toBeUndefined();
    expect(nlu.understand('12345', { locale: 'sv' }).language).toBeUndefined();
  });

  test('extracts entities and sentiment; relative dates use the injected clock', () => {
    const result = nlu.understand('reititin tilattiin huomenna, en ole tyytyväinen', { locale: 'fi' });
    expect(result.entities).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'product', value: 'router' }),
      expect.objectContaining({ type: 'date', value: '2026-12-03' }),
    ]));
    expect(result.sentiment).toBeLessThan(0);
    expect(nlu.understand('huomenna', { locale: 'fi', now: Date.parse('2027-01-10T12:00:00+02:00') }).entities[0].value).toBe('2027-01-11');
  });

  test('an expected intent settles a close call', () => {
    const text = 'tilaus ja lasku';
    const open = nlu.understand(text, { locale: 'fi' });
    const [first, second] = open.ranking;
    if (open.ambiguous) {
      const settled = nlu.understand(text, { locale: 'fi', expectedIntents: [second.intent] });
      expect(settled.intent).toBe(second.intent);
      expect(settled.ambiguous).toBe(false);
    } else {
      expect(first.confidence - second.confidence).toBeGreaterThanOrEqual(0.15);
    }
  });

  test('lists intents and entity types for flow validation', () => {
    expect(nlu.intents('fi')).toEqual(expect.arrayContaining(['order_status', 'faq.opening_hours']));
    expect(nlu.intents('fi')).not.toContain(OUT_OF_SCOPE);
    expect(nlu.entityTypes()).toEqual(expect.arrayContaining(['number', 'date', 'order_number', 'yes_no', 'product', 'any_text']));
  });

  test('a restart with unchanged data reads the cache instead of training', () => {
    expect(nlu.modelInfo().every((info) => !info.fromCache)).toBe(true);
    const again = createNlu(loadNluData(localesDir, ['fi', 'en', 'sv']), { cacheDir });
    expect(again.modelInfo().map((info) => info.fromCache)).toEqual([true, true, true]);
    expect(again.understand('missä tilaukseni on', { locale: 'fi' })).toEqual(nlu.understand('missä tilaukseni on', { locale: 'fi' }));
  });

  test('changed data retrains that locale only; a damaged cache file is retrained, not fatal', () => {
    const changed = loadNluData(localesDir, ['fi', 'en', 'sv']);
    changed.locales.en!.intents.order_status.push('where is my stuff');
    const info = createNlu(changed, { cacheDir }).modelInfo();
    expect(info.find((entry) => entry.locale === 'en')?.fromCache).toBe(false);
    expect(info.find((entry) => entry.locale === 'fi')?.fromCache).toBe(true);
    // The old en model is pruned: one file per locale stays.
    expect(readdirSync(cacheDir).filter((name) => name.startsWith('intent-model-en-'))).toHaveLength(1);
    for (const file of readdirSync(cacheDir)) writeFileSync(join(cacheDir, file), 'garbage');
    const recovered = createNlu(data, { cacheDir });
    expect(recovered.modelInfo().every((entry) => !entry.fromCache)).toBe(true);
    expect(recovered.understand('missä tilaukseni on', { locale: 'fi' }).intent).toBe('order_status');
  });

  test('refuses empty data with a clear message', () => {
    expect(() => createNlu({ locales: {} })).toThrow(/no locale has NLU data/);
  });
});

describe('several requests in one message, on the demo data', () => {
  const demo = createNlu(loadNluData(join(__dirname, '..', '..', 'locales'), ['fi', 'en', 'sv']), { cacheDir: mkdtempSync(join(tmpdir(), 'aspa-demo-nlu-')) });

  test.each([
    ['fi', 'tilasin teiltä kengät ja ne on ihan liian pienet, voinko lähettää ne teille takas?'],
    ['en', 'i ordered shoes from you and they are too small, can i send them back?'],
    ['sv', 'jag beställde skor av er och de är för små, kan jag skicka tillbaka dem?'],
  ] as const)('%s: the story before a question is no request of its own: %s', (locale, text) => {
    const result = demo.understand(text, { locale });
    expect(result.intent).toBe('faq.returns');
    expect(result.alsoAsked ?? []).toEqual([]);
  });

  test.each([
    ['sv', 'glöm det, jag har egentligen en fråga om fakturan, den är för hög', 'billing_dispute'],
    ['sv', 'strunta i det förresten, jag såg att det stämmer. men när förfaller nästa faktura?', 'faq.invoice_due_date'],
    ['en', 'forget the order for a sec, my newest invoice shows a 15€ installation fee and nobody installed anything', 'billing_dispute'],
  ] as const)('%s: after letting go, what follows is the request, read without the matter let go: %s', (locale, text, intent) => {
    const result = demo.understand(text, { locale });
    expect(result.reply).toBe('withdraw');
    expect(result.intent).toBe(intent);
    expect(result.requestConfidence).toBe(result.confidence);
  });

  test('the one request among a language request and an aside is read on its own, surely', () => {
    const result = demo.understand('förlåt, går det att ta resten på svenska? min sambo förstår inte finska. finns det fiber där på nya adressen?', { locale: 'sv' });
    expect(result.intent).toBe('faq.availability');
    expect(result.confidence).toBeGreaterThanOrEqual(0.85);
  });

  test('an unsure line takes the request from the clause that is sure of it', () => {
    const result = demo.understand('ei oo siellä oma revontulessakaan, voiko joku ihminen etsiä sen mun nimellä', { locale: 'fi' });
    expect(result.intent).toBe('human_agent');
    expect(result.confidence).toBeGreaterThanOrEqual(0.8);
  });

  test('a greeting that closes a line is a goodbye; one in front of a part does not hide it', () => {
    expect(demo.understand('aa okei no sit kaikki hyvin, moikka', { locale: 'fi' }).intent).toBe('goodbye');
    expect(demo.understand('moikka', { locale: 'fi' }).intent).toBe('greeting');
    const both = demo.understand('moro, koska se pelikonsoli tulee tilausnro 90123 ja milloin mun lasku pitää maksaa', { locale: 'fi' });
    expect([both.intent, ...(both.alsoAsked ?? []).map((request) => request.intent)].sort()).toEqual(['faq.invoice_due_date', 'order_status']);
  });

  test('a greeting word without punctuation does not hide the question after it', () => {
    expect(demo.understand('moikka 😊 onks sulla ollu kiireinen päivä?', { locale: 'fi' }).intent).toBe('small_talk');
  });

  test('a missing number said in a clause joined with "ja"', () => {
    expect(demo.understand('paketti antaa vieläki odottaa itteään ja tilausnumerokin on jossain hukassa', { locale: 'fi' }).lacksNumber).toBe(true);
    expect(demo.understand('paketti ei oo tullu ja tilausnumero on 12345', { locale: 'fi' }).lacksNumber).toBeUndefined();
  });

  test('a verdict is evaluative, thanks alone is not', () => {
    expect(demo.understand('olit tosi nopee, kiitos!', { locale: 'fi' }).evaluative).toBe(true);
    expect(demo.understand('kiitos moi', { locale: 'fi' }).evaluative).toBeUndefined();
  });

  test('two real requests both count, a problem told as a statement included', () => {
    const result = demo.understand('mun lasku on väärin ja mihin aikaan teillä on auki?', { locale: 'fi' });
    expect([result.intent, ...(result.alsoAsked ?? []).map((request) => request.intent)]).toEqual(['billing_dispute', 'faq.opening_hours']);
  });
});
