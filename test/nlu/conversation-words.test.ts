import * as path from 'node:path';
import { afterCorrection, createDetailCounter, createShortReplyReader, createSynonymRewriter, splitRequests } from '../../src/nlu/conversation-words';
import { loadNluData } from '../../src/nlu/load-nlu-data';

// The demo bot's own word lists, as a designer would extend them.
const data = loadNluData(path.resolve(__dirname, '..', '..', 'locales'), ['fi', 'en', 'sv']);
const reader = (locale: 'fi' | 'en' | 'sv') => createShortReplyReader(data.locales[locale]!.conversation);

describe('short replies', () => {
  it.each([
    ['fi', 'kiitti, se riittää', 'done'],
    ['fi', 'kiitos ei muuta', 'done'],
    ['fi', 'ei kiitos', 'deny'],
    ['fi', 'joo kiitos', 'affirm'],
    ['fi', 'kiitti tosi paljon 🙏', 'thanks'],
    ['fi', 'en löydä sitä tilausnumeroa mistään', 'dont_know'],
    ['fi', 'mistä mä sen numeron nään', 'dont_know'],  // the thing's name in any form is filler (numeron)
    ['fi', 'no ei', 'deny'],
    ['en', "thanks, that's all", 'done'],
    ['en', 'i cant find the number anywhere', 'dont_know'],
    ['en', 'yes please', 'affirm'],
    ['en', 'no', 'deny'],
    ['sv', 'tack det var allt', 'done'],
    ['sv', 'vet inte', 'dont_know'],
    ['sv', 'nej tack', 'deny'],
  ] as const)('%s "%s" is %s', (locale, text, expected) => {
    expect(reader(locale).read(text)).toBe(expected);
  });

  it.each([
    ['fi', 'missä mun tilaus 12345 on ja milloin se tulee'],
    ['fi', 'laskussa on kaks kertaa sama maksu'],
    ['en', 'no I want to talk about my bill instead'],
    ['sv', 'ja jag vill säga upp mitt abonnemang'],
  ] as const)('%s "%s" says more than a short reply', (locale, text) => {
    expect(reader(locale).read(text)).toBeUndefined();
  });

  it('reads a phrase with a filler word inside it ("en mä tiedä", "i really dont know")', () => {
    expect(reader('fi').read('en mä tiedä')).toBe('dont_know');
    expect(reader('en').read('i really dont know')).toBe('dont_know');
  });

  it('tells the words of a reply that are neither reply phrases nor filler', () => {
    expect(reader('en').unexplained('no idea what the number is sorry')).toBe('what is');
    expect(reader('fi').unexplained('kiitti, se riittää')).toBe('');
    expect(reader('fi').unexplained('laskussa on kaks kertaa sama maksu')).toBe('');
  });

  it('lists every part of a reply, strongest first', () => {
    expect(reader('fi').categories('joo kiitos')).toEqual(['affirm', 'thanks']);
  });

  it('reads letting a request go as withdraw, stronger than the no beside it and with a reason after it', () => {
    expect(reader('fi').categories('no antaa olla, ei se haittaa')).toEqual(['withdraw', 'deny']);
    expect(reader('fi').read('unohda koko juttu, katson itse')).toBe('withdraw');
    expect(reader('en').read("never mind, i'll sort it out myself")).toBe('withdraw');
    expect(reader('sv').read('strunt i det')).toBe('withdraw');
    expect(reader('fi').opening('ei sittenkään, katoin uudestaan ja kyl se on ihan oikein')?.category).toBe('withdraw');
    // Interjections may come before it; the rest of the line is kept for the dialog to weigh.
    expect(reader('fi').opening('ai sori, väärä aihe, haluisin tietää teidän aukioloajat huomenna')).toEqual({ category: 'withdraw', rest: 'haluisin tietää teidän aukioloajat huomenna' });
    expect(reader('en').read('oh well nvm')).toBe('withdraw');
    // A withdrawal followed by a whole new request is no short reply.
    expect(reader('fi').read('unohda se, mulla on oikeesti kysymys mun laskusta')).toBeUndefined();
  });

  it('takes the thing named for the pronoun that ends a reply phrase ("var hittar jag ordernumret" ~ "var hittar jag det")', () => {
    expect(reader('sv').read('var hittar jag ordernumret')).toBe('dont_know');
    expect(reader('en').read('where do i find the order number')).toBe('dont_know');
  });

  it('finds rating words', () => {
    expect(reader('fi').rating('ihan hyvä, ehkä nelonen')).toMatchObject({ value: 4, text: 'nelonen' });
    expect(reader('sv').rating('jag ger en femma')).toMatchObject({ value: 5 });
  });
});

describe('questions, other things and follow-ups', () => {
  it.each([
    ['fi', 'milloin laskun eräpäivä on', true],
    ['fi', 'ootteko auki lauantaina', true],
    ['fi', 'haluan vaihtaa salasanan', true],
    ['fi', 'se on jossain sähköpostissa', false],
    ['en', 'is it open on saturday', true],
    ['en', 'it is somewhere in my email', false],
    ['sv', 'var är mitt paket', true],
    ['sv', 'det var fel på fakturan', false],
    // A question may open any clause, after an apology or a remark.
    ['fi', 'sori väärä asia, haluun irtisanoa liittymän', true],
    ['en', 'ok my mistake. what are your opening hours', true],
    ['fi', 'se on jossain sähköpostissa, en löydä sitä', false],
    // Spoken Finnish asks with -ks; "kaks" (two) does not ask.
    ['fi', 'odota hetki... onks teillä lauantaina auki', true],
    ['fi', 'voiks mä maksaa kortilla', true],
    ['fi', 'mulla on kaks liittymää', false],
  ] as const)('%s "%s" is a question: %s', (locale, text, expected) => {
    expect(reader(locale).isQuestion(text)).toBe(expected);
  });

  it.each([
    ['fi', 'tilasin teiltä kengät', true],
    ['fi', 'mä ostin reitittimen viime viikolla', true],
    ['fi', 'missä on se mitä tilasin', false],
    ['fi', 'mun netti ei toimi', false],
    ['en', 'I ordered shoes from you', true],
    ['en', 'did I pay the last invoice', false],
    ['sv', 'jag beställde skor av er', true],
    ['sv', 'var är mitt paket', false],
  ] as const)('%s "%s" tells a story rather than asks: %s', (locale, text, expected) => {
    expect(reader(locale).opensStory(text) && !reader(locale).isQuestion(text)).toBe(expected);
  });

  it('tells a line about another thing, and one that points back', () => {
    expect(reader('fi').mentionsAnother('entä toinen tilaukseni?')).toBe(true);
    expect(reader('en').refersBack('so when do I get it?')).toBe(true);
    expect(reader('en').refersBack('where is my order')).toBe(false);
  });
});

describe('splitRequests', () => {
  const joiners = (locale: 'fi' | 'en' | 'sv') => data.locales[locale]!.conversation.joiners;

  it('splits at a joining word when both sides are requests of their own', () => {
    expect(splitRequests('koska mun tilaus tulee, numero 12345, ja onko teillä lauantaina auki?', joiners('fi')))
      .toEqual(['koska mun tilaus tulee, numero 12345', 'onko teillä lauantaina auki']);
    expect(splitRequests('where is my order 23456 and also how do i change my password', joiners('en')))
      .toEqual(['where is my order 23456', 'how do i change my password']);
  });

  it('splits at sentence ends', () => {
    expect(splitRequests('Netti ei toimi. Entä milloin lasku erääntyy?', joiners('fi'))).toEqual(['Netti ei toimi.', 'milloin lasku erääntyy']);
  });

  it('reads a full stop after a number before a lower-case word as an ordinal, not a sentence end', () => {
    expect(splitRequests('palkka tulee vasta 25. päivä, ehdinkö maksaa laskun silloin', joiners('fi'))).toEqual(['palkka tulee vasta 25. päivä, ehdinkö maksaa laskun silloin']);
    expect(splitRequests('tilaus 12345. Onko teillä lauantaina auki?', joiners('fi'))).toEqual(['tilaus 12345.', 'Onko teillä lauantaina auki']);
    expect(splitRequests('my invoice no. 8812003 has a charge for a modem i never ordered', joiners('en'))).toEqual(['my invoice no. 8812003 has a charge for a modem i never ordered']);
  });

  it('keeps a short "x ja y" together', () => {
    expect(splitRequests('netti ja puhelin ei toimi', joiners('fi'))).toEqual(['netti ja puhelin ei toimi']);
  });
});

describe('afterCorrection', () => {
  const corrections = (locale: 'fi' | 'en' | 'sv') => data.locales[locale]?.conversation.corrections ?? [];
  it('keeps only what comes after a change of mind, with offsets intact', () => {
    const text = 'missä mun paketti on, ei kun haluun puhua ihmisen kanssa';
    const after = afterCorrection(text, corrections('fi'));
    expect(after).toHaveLength(text.length);
    expect(after.trim()).toBe('haluun puhua ihmisen kanssa');
    expect(afterCorrection("where's my order... actually never mind, when are you open", corrections('en')).trim()).toBe('when are you open');
    expect(afterCorrection('var är mitt paket, nej förresten, vad kostar en pappersfaktura', corrections('sv')).trim()).toBe('vad kostar en pappersfaktura');
  });
  it('leaves a line alone when nothing of substance follows, or there is no correction', () => {
    expect(afterCorrection('ei kun', corrections('fi'))).toBe('ei kun');
    expect(afterCorrection('never mind', corrections('en'))).toBe('never mind');
    expect(afterCorrection('netti ei toimi kotona', corrections('fi'))).toBe('netti ei toimi kotona');
  });
});

describe('synonyms', () => {
  const rewrite = createSynonymRewriter({ netti: ['laajakaist', 'valokui', 'nettiyhte'], internet: ['broadband'] });
  it('reads a variant in any inflection as its word, and leaves other words alone', () => {
    expect(rewrite('laajakaista lakkas toimimasta')).toBe('netti lakkas toimimasta');
    expect(rewrite('Laajakaistan vika, valokuidun kaapeli')).toBe('netti vika, netti kaapeli');
    expect(rewrite('my Broadband is down')).toBe('my internet is down');
    expect(rewrite('reititin ei toimi')).toBe('reititin ei toimi');
  });
  it('the demo bot reads a stopped broadband as an outage in every language', () => {
    // Through the loaded word lists: conversation.yaml of each locale names the demo's synonyms.
    expect(createSynonymRewriter(data.locales.fi!.conversation.synonyms)('laajakaista lakkas toimimasta')).toBe('netti lakkas toimimasta');
    expect(createSynonymRewriter(data.locales.sv!.conversation.synonyms)('bredbandet slutade fungera')).toBe('internet slutade fungera');
  });
});

describe('detail words', () => {
  it('count what a line tells beyond asking', () => {
    const fi = createDetailCounter(data.locales.fi!.conversation.requestWords);
    expect(fi('haluun reklamoida mun viimesestä laskusta')).toBe(2);
    expect(fi('mun lasku 5512009 on väärin, siinä on kaks kertaa sama maksu')).toBe(7);
    const en = createDetailCounter(data.locales.en!.conversation.requestWords);
    expect(en("i'd like to complain about my last invoice")).toBe(3);
    expect(en('i was charged twice for the same month')).toBe(4);
    const sv = createDetailCounter(data.locales.sv!.conversation.requestWords);
    expect(sv('jag vill reklamera min senaste faktura')).toBe(2);
  });

  it('do not count words that only negate, strengthen or fill', () => {
    const { sentiment, conversation } = data.locales.sv!;
    const sv = createDetailCounter(conversation.requestWords, [...sentiment.negations, ...Object.keys(sentiment.intensifiers), ...conversation.filler]);
    expect(sv('min senaste faktura stämmer inte alls')).toBe(3);
    expect(sv('jag har fått två fakturor för samma månad')).toBe(4);
  });
});

describe('thanks in a verdict', () => {
  it('leaves the words that judge', () => {
    expect(reader('fi').withoutThanks('olit tosi nopee, kiitos!')).toBe('olit tosi nopee');
    expect(reader('en').withoutThanks('thanks a lot')).not.toMatch(/thanks/);
  });
});
