import type { EntityMatch } from '../../src/core/nlu';
import type { Locale } from '../../src/core/turn';
import { createEntityExtractor } from '../../src/nlu/entities/extract-entities';

// Wednesday 2 December 2026, 10:00 in Helsinki: every relative date below resolves against it.
const NOW = Date.parse('2026-12-02T10:00:00+02:00');
const lists = {
  product: [
    { value: 'router', synonyms: ['reititin', 'modeemi', 'mokkula', 'routern', 'modem'] },
    { value: 'phone', synonyms: ['puhelin', 'kännykkä', 'telefon', 'mobile phone'] },
  ],
};
const extractors: Record<Locale, ReturnType<typeof createEntityExtractor>> = {
  fi: createEntityExtractor({ locale: 'fi', lists }),
  en: createEntityExtractor({ locale: 'en', lists }),
  sv: createEntityExtractor({ locale: 'sv', lists }),
};

type Case = [Locale, string, string, string | null];

const pairs = (entities: EntityMatch[]) => entities.map((entity) => `${entity.type}=${entity.value}`);

function check([locale, text, type, value]: Case, options: { expectedEntity?: string } = {}): void {
  const found = pairs(extractors[locale](text, { now: NOW, ...options }));
  if (value === null) expect(found.filter((pair) => pair.startsWith(`${type}=`))).toEqual([]);
  else expect(found).toContain(`${type}=${value}`);
}

const numbers: Case[] = [
  ['fi', 'kaksitoista', 'number', '12'],
  ['fi', 'yksi kaksi kolme', 'number', '123'],
  ['fi', 'kaksikymmentäkolme', 'number', '23'],
  ['fi', 'kaksikymmentä kolme', 'number', '23'],
  ['fi', 'yhdeksäntoista', 'number', '19'],
  ['fi', 'neljäkymmentäkaksi', 'number', '42'],
  ['fi', 'sata', 'number', '100'],
  ['fi', 'satakaksikymmentä', 'number', '120'],
  ['fi', 'kaksisataa', 'number', '200'],
  ['fi', 'tuhat', 'number', '1000'],
  ['fi', 'kolmetuhatta viisisataa', 'number', '3500'],
  ['fi', 'viisi', 'number', '5'],
  ['fi', 'nolla', 'number', '0'],
  ['fi', 'kymmenen', 'number', '10'],
  ['fi', 'haluan 3 kappaletta', 'number', '3'],
  ['fi', 'noin 3,5 tuntia', 'number', '3.5'],
  ['fi', 'kaks', 'number', '2'],
  ['en', 'twelve', 'number', '12'],
  ['en', 'twenty three', 'number', '23'],
  ['en', 'forty-two', 'number', '42'],
  ['en', 'one hundred and five', 'number', '105'],
  ['en', 'two thousand', 'number', '2000'],
  ['en', 'one two three', 'number', '123'],
  ['en', 'it costs 3.5', 'number', '3.5'],
  ['en', 'seven', 'number', '7'],
  ['en', 'nineteen', 'number', '19'],
  ['sv', 'tolv', 'number', '12'],
  ['sv', 'tjugotre', 'number', '23'],
  ['sv', 'etthundra', 'number', '100'],
  ['sv', 'tvåhundrafemtio', 'number', '250'],
  ['sv', 'ett två tre', 'number', '123'],
  ['sv', 'fem', 'number', '5'],
  ['sv', 'tusen', 'number', '1000'],
  ['sv', 'ungefär 3,5 timmar', 'number', '3.5'],
  ['sv', 'nitton', 'number', '19'],
  ['fi', 'ei numeroita tässä', 'number', null],
];

const dates: Case[] = [
  ['fi', 'tänään', 'date', '2026-12-02'],
  ['fi', 'huomenna', 'date', '2026-12-03'],
  ['fi', 'ylihuomenna', 'date', '2026-12-04'],
  ['fi', 'eilen', 'date', '2026-12-01'],
  ['fi', 'ensi maanantaina', 'date', '2026-12-07'],
  ['fi', 'ensi perjantaina', 'date', '2026-12-11'],
  ['fi', 'maanantaina', 'date', '2026-12-07'],
  ['fi', 'perjantaina', 'date', '2026-12-04'],
  ['fi', 'keskiviikkona', 'date', '2026-12-09'],
  ['fi', 'viime maanantaina', 'date', '2026-11-30'],
  ['fi', '3 päivän päästä', 'date', '2026-12-05'],
  ['fi', 'ensi viikolla', 'date', '2026-12-07'],
  ['fi', '24.12.', 'date', '2026-12-24'],
  ['fi', 'toimitus 24.12.2026', 'date', '2026-12-24'],
  ['fi', '2026-12-24', 'date', '2026-12-24'],
  ['fi', '24. joulukuuta', 'date', '2026-12-24'],
  ['fi', 'joulukuun 24.', 'date', '2026-12-24'],
  ['fi', '1. tammikuuta 2027', 'date', '2027-01-01'],
  ['fi', 'soita huomenna klo 14', 'date', '2026-12-03'],
  ['fi', '31.2.2026', 'date', null],
  ['en', 'today', 'date', '2026-12-02'],
  ['en', 'tomorrow', 'date', '2026-12-03'],
  ['en', 'yesterday', 'date', '2026-12-01'],
  ['en', 'day after tomorrow', 'date', '2026-12-04'],
  ['en', 'next friday', 'date', '2026-12-11'],
  ['en', 'on friday', 'date', '2026-12-04'],
  ['en', 'friday', 'date', '2026-12-04'],
  ['en', 'last monday', 'date', '2026-11-30'],
  ['en', 'in 3 days', 'date', '2026-12-05'],
  ['en', 'next week', 'date', '2026-12-07'],
  ['en', 'december 24', 'date', '2026-12-24'],
  ['en', '24th of december', 'date', '2026-12-24'],
  ['en', '1 january 2027', 'date', '2027-01-01'],
  ['sv', 'i morgon', 'date', '2026-12-03'],
  ['sv', 'imorgon', 'date', '2026-12-03'],
  ['sv', 'idag', 'date', '2026-12-02'],
  ['sv', 'i dag', 'date', '2026-12-02'],
  ['sv', 'i går', 'date', '2026-12-01'],
  ['sv', 'i övermorgon', 'date', '2026-12-04'],
  ['sv', 'på fredag', 'date', '2026-12-04'],
  ['sv', 'nästa fredag', 'date', '2026-12-11'],
  ['sv', 'i fredags', 'date', '2026-11-27'],
  ['sv', 'om 3 dagar', 'date', '2026-12-05'],
  ['sv', 'den 24 december', 'date', '2026-12-24'],
  ['sv', 'nästa vecka', 'date', '2026-12-07'],
];

const times: Case[] = [
  ['fi', 'klo 14', 'time', '14:00'],
  ['fi', 'kello 9.30', 'time', '09:30'],
  ['fi', 'soita 14:45', 'time', '14:45'],
  ['fi', 'klo 25', 'time', null],
  ['sv', 'kl. 15', 'time', '15:00'],
  ['sv', 'kl 8.15', 'time', '08:15'],
  ['en', 'at 3 pm', 'time', '15:00'],
  ['en', '3:30pm', 'time', '15:30'],
  ['en', '12 am', 'time', '00:00'],
  ['en', '11 am', 'time', '11:00'],
];

const contacts: Case[] = [
  ['fi', 'matti.meikalainen@example.fi', 'email', 'matti.meikalainen@example.fi'],
  ['fi', 'sähköpostini on Matti@Example.COM kiitos', 'email', 'matti@example.com'],
  ['en', 'mail me at john+tag@mail.co.uk', 'email', 'john+tag@mail.co.uk'],
  ['sv', 'min e-post är anna_b@firma.se', 'email', 'anna_b@firma.se'],
  ['en', 'not an email: john@', 'email', null],
  ['fi', '040 123 4567', 'phone', '+358401234567'],
  ['fi', '0401234567', 'phone', '+358401234567'],
  ['fi', '+358 40 1234567', 'phone', '+358401234567'],
  ['fi', '+358401234567', 'phone', '+358401234567'],
  ['fi', '00358 40 123 4567', 'phone', '+358401234567'],
  ['fi', 'numero on 09 123 4567', 'phone', '+35891234567'],
  ['fi', '050-123 4567', 'phone', '+358501234567'],
  ['en', 'call +44 20 7946 0958', 'phone', '+442079460958'],
  ['en', '+1 (555) 123-4567', 'phone', '+15551234567'],
  ['sv', 'ring 050 987 6543', 'phone', '+358509876543'],
  ['sv', '+46 70 123 45 67', 'phone', '+46701234567'],
  ['fi', 'tilaus 12345', 'phone', null],
];

const orders: Case[] = [
  ['fi', '12345', 'order_number', '12345'],
  ['fi', 'tilausnumeroni on 1234567', 'order_number', '1234567'],
  ['fi', 'yksi kaksi kolme neljä viisi', 'order_number', '12345'],
  ['fi', '123 45', 'order_number', '12345'],
  ['en', 'order 98765432', 'order_number', '98765432'],
  ['en', 'one two three four five six', 'order_number', '123456'],
  ['sv', 'ordernummer 55555', 'order_number', '55555'],
  ['sv', 'fem fem fem fem fem', 'order_number', '55555'],
  ['fi', '1234', 'order_number', null],
  ['fi', '123456789', 'order_number', null],
  ['fi', 'soita 040 123 4567', 'order_number', null],
];

const money: Case[] = [
  ['fi', '12,50 €', 'money', '12.5'],
  ['fi', 'maksoin 50 euroa', 'money', '50'],
  ['fi', '€9.90', 'money', '9.9'],
  ['fi', '100 eur', 'money', '100'],
  ['fi', 'viisikymmentä euroa', 'money', '50'],
  ['fi', '15 e', 'money', '15'],
  ['fi', '2,5 euroa', 'money', '2.5'],
  ['en', 'twenty euros', 'money', '20'],
  ['en', 'they charged me 10 euros', 'money', '10'],
  ['en', '€ 45', 'money', '45'],
  ['sv', 'femtio euro', 'money', '50'],
  ['sv', '30 euro', 'money', '30'],
  ['fi', '50 kiloa', 'money', null],
];

const identity: Case[] = [
  ['fi', '131052-308T', 'hetu', '131052-308T'],
  ['fi', 'henkilötunnukseni on 010101a123n', 'hetu', '010101A123N'],
  ['fi', '311299-9872', 'hetu', '311299-9872'],
  ['sv', 'personbeteckning 150705A456A', 'hetu', '150705A456A'],
  ['en', 'my id 290200A002C', 'hetu', '290200A002C'],
  ['fi', '131052-308U', 'hetu', null],
  ['fi', '310299-9872', 'hetu', null],
  ['fi', 'FI21 1234 5600 0007 85', 'iban', 'FI2112345600000785'],
  ['fi', 'tilini FI2112345600000785 kiitos', 'iban', 'FI2112345600000785'],
  ['sv', 'SE45 5000 0000 0583 9825 7466', 'iban', 'SE4550000000058398257466'],
  ['en', 'GB82 WEST 1234 5698 7654 32', 'iban', 'GB82WEST12345698765432'],
  ['en', 'de89 3704 0044 0532 0130 00', 'iban', 'DE89370400440532013000'],
  ['fi', 'FI21 1234 5600 0007 86', 'iban', null],
];

const yesNo: Case[] = [
  ['fi', 'kyllä', 'yes_no', 'yes'],
  ['fi', 'joo', 'yes_no', 'yes'],
  ['fi', 'juu kiitos', 'yes_no', 'yes'],
  ['fi', 'totta kai', 'yes_no', 'yes'],
  ['fi', 'kyllä se sopii', 'yes_no', 'yes'],
  ['fi', 'ei', 'yes_no', 'no'],
  ['fi', 'ei kiitos', 'yes_no', 'no'],
  ['fi', 'en halua', 'yes_no', 'no'],
  ['en', 'yes', 'yes_no', 'yes'],
  ['en', 'yeah sure', 'yes_no', 'yes'],
  ['en', 'of course', 'yes_no', 'yes'],
  ['en', 'no', 'yes_no', 'no'],
  ['en', 'nope', 'yes_no', 'no'],
  ['en', 'no thanks', 'yes_no', 'no'],
  ['sv', 'ja', 'yes_no', 'yes'],
  ['sv', 'ja tack', 'yes_no', 'yes'],
  ['sv', 'absolut', 'yes_no', 'yes'],
  ['sv', 'gärna', 'yes_no', 'yes'],
  ['sv', 'nej', 'yes_no', 'no'],
  ['sv', 'nej tack', 'yes_no', 'no'],
  ['fi', 'netti toimii ei', 'yes_no', null],
];

const languages: Case[] = [
  ['fi', 'puhutko englantia', 'language', 'en'],
  ['fi', 'suomeksi kiitos', 'language', 'fi'],
  ['fi', 'voitko vaihtaa ruotsiksi', 'language', 'sv'],
  ['en', 'in English please', 'language', 'en'],
  ['en', 'can we speak finnish', 'language', 'fi'],
  ['en', 'do you speak swedish', 'language', 'sv'],
  ['sv', 'på svenska', 'language', 'sv'],
  ['sv', 'på engelska tack', 'language', 'en'],
  ['sv', 'kan vi tala finska', 'language', 'fi'],
];

const customLists: Case[] = [
  ['fi', 'reititin', 'product', 'router'],
  ['fi', 'reitittimeni on rikki', 'product', 'router'],
  ['fi', 'modeemi ei toimi', 'product', 'router'],
  ['fi', 'modemi ei toimi', 'product', 'router'],
  ['fi', 'mokkulassa on vika', 'product', 'router'],
  ['fi', 'uusi puhelin', 'product', 'phone'],
  ['fi', 'puhelimeni hajosi', 'product', 'phone'],
  ['en', 'my router is broken', 'product', 'router'],
  ['en', 'the ruoter blinks', 'product', 'router'],
  ['en', 'new mobile phone', 'product', 'phone'],
  ['sv', 'routern fungerar inte', 'product', 'router'],
  ['sv', 'min telefon', 'product', 'phone'],
  ['fi', 'lasku on väärin', 'product', null],
];

const places: Case[] = [
  ['fi', 'Kauppakatu 22 B 9, 40100 Jyväskylä', 'address', 'Kauppakatu 22 B 9, 40100 Jyväskylä'],
  ['fi', 'ei nettiä ollenkaan, asun Kalevankatu 14 C 7:ssä Tampereella', 'address', 'Kalevankatu 14 C 7, Tampere'],
  ['fi', 'asun kalevankadulla 14 tampereella', 'address', 'Kalevankatu 14, Tampere'],
  ['fi', 'Mannerheimintie 12 B 5, 00100 Helsinki', 'address', 'Mannerheimintie 12 B 5, 00100 Helsinki'],
  ['fi', 'osoite on Revontulentie 5, Rovaniemi', 'address', 'Revontulentie 5, Rovaniemi'],
  ['fi', 'hämeenkatu 3 as. 12 turussa', 'address', 'Hämeenkatu 3 12, Turku'],
  ['fi', 'kalevankatu neljätoista tampere', 'address', 'Kalevankatu 14, Tampere'],
  ['fi', 'Rantakatu 8 A 2, Oulu', 'address', 'Rantakatu 8 A 2, Oulu'],
  ['fi', 'asun Koivukujalla 3', 'address', 'Koivukuja 3'],
  ['fi', 'tiellä on kaatunut puu', 'address', null],
  ['fi', 'mun monitori 2 on rikki', 'address', null],
  ['fi', 'ranta 5 metrin päässä', 'address', null],
  ['sv', 'Åbovägen 7 A, Jakobstad', 'address', 'Åbovägen 7 A, Jakobstad'],
  ['sv', 'jag bor på storgatan 5 i vasa', 'address', 'Storgatan 5, Vasa'],
  ['sv', 'Handelsesplanaden 12 B 4, 65100 Vasa', 'address', 'Handelsesplanaden 12 B 4, 65100 Vasa'],
  ['en', 'I live at Hämeentie 3, Helsinki', 'address', 'Hämeentie 3, Helsinki'],
  ['fi', 'postinumero 00100', 'postcode', '00100'],
  ['fi', '90100 Oulu', 'postcode', '90100'],
  ['sv', 'postnummer 68600', 'postcode', '68600'],
  ['en', 'zip code 02150', 'postcode', '02150'],
  ['fi', 'postinumero 00100', 'order_number', null],
  ['fi', '90100 Oulu', 'order_number', null],
  ['fi', 'Kauppakatu 22 B 9, 40100 Jyväskylä', 'order_number', null],
];

const invoices: Case[] = [
  ['fi', 'mun lasku 5512009 on väärin', 'invoice_number', '5512009'],
  ['fi', 'laskun numero on 5512009', 'invoice_number', '5512009'],
  ['fi', 'Lasku 2026-1187: veloitettiin kahdesti', 'invoice_number', '2026-1187'],
  ['fi', 'laskunumero 88120034', 'invoice_number', '88120034'],
  ['en', 'my invoice number is 5512009', 'invoice_number', '5512009'],
  ['en', 'bill 4410023 is wrong', 'invoice_number', '4410023'],
  ['en', 'my bil 3301277 has a charge i never made', 'invoice_number', '3301277'],  // a letter short of bill
  ['sv', 'fakturan 5512009 är fel', 'invoice_number', '5512009'],
  ['sv', 'fakturanummer 7730215', 'invoice_number', '7730215'],
  ['fi', 'laskussa väärä summa, nro 3391207', 'invoice_number', '3391207'],
  ['fi', 'laskun numero on viis viis yks kaks nolla nolla yhdeksän', 'invoice_number', '5512009'],
  ['fi', 'tilaus 12345', 'invoice_number', null],
  ['fi', 'lasku on väärin ja tilaus 12345 myöhässä', 'invoice_number', null],
];

const defects: Case[] = [
  // A wrong check character keeps the code whole: its digits are no order number.
  ['fi', '131052-308U', 'order_number', null],
  ['fi', 'hetu 131052-308U', 'number', null],
  ['fi', 'FI21 1234 5600 0007 86', 'order_number', null],
  ['fi', 'kortti 4111 1111 1111 1111', 'card_number', '4111111111111111'],
  ['fi', 'kortti 4111 1111 1111 1111', 'order_number', null],
  ['fi', 'kortti 4111 1111 1111 1112', 'card_number', null],
  ['fi', 'nolla neljä nolla seitsemän kuusi viisi neljä kolme kaksi yksi', 'phone', '+358407654321'],
  ['en', 'zero four zero one two three four five six seven', 'phone', '+358401234567'],
  ['sv', 'noll fyra noll sju sex fem fyra tre två ett', 'phone', '+358407654321'],
  ['fi', 'yksi kaksi kolme neljä viisi', 'phone', null],
  ['fi', 'kolmas joulukuuta', 'date', '2026-12-03'],
  ['fi', 'kolmantena joulukuuta', 'date', '2026-12-03'],
  ['fi', 'kahdeskymmenesensimmäinen tammikuuta 2027', 'date', '2027-01-21'],
  ['fi', 'viidentenätoista marraskuuta', 'date', '2026-11-15'],
  ['en', 'the third of December', 'date', '2026-12-03'],
  ['en', 'December twenty first', 'date', '2026-12-21'],
  ['en', 'on the fifteenth of january', 'date', '2026-01-15'],
  ['sv', 'den tredje december', 'date', '2026-12-03'],
  ['sv', 'tjugoförsta januari', 'date', '2026-01-21'],
];

// When a customer wants to be called: the day, the part of the day and the clock time read together.
const timeWindows: Case[] = [
  ['fi', 'soittakaa huomenna aamupäivällä', 'time_window', '2026-12-03 forenoon'],
  ['fi', 'soita mulle klo 14 jälkeen', 'time_window', 'after 14:00'],
  ['fi', 'perjantaina ennen klo 12 kiitos', 'time_window', '2026-12-04 before 12:00'],
  ['fi', 'voitteko soittaa lounaan jälkeen', 'time_window', 'afternoon'],
  ['fi', 'mieluiten illalla', 'time_window', 'evening'],
  ['fi', 'soittakaa vaikka kolmen jälkeen', 'time_window', null],
  ['fi', 'huomenta, soittakaa mulle', 'time_window', null],
  ['fi', 'tilaus piti tulla eilen', 'time_window', null],
  ['fi', 'yhteys lakkasi toimimasta eilen illalla', 'time_window', null],
  ['en', 'could you call me tomorrow morning', 'time_window', '2026-12-03 morning'],
  ['en', 'ring me after 3 please', 'time_window', 'after 15:00'],
  ['en', 'call me at 4:30pm', 'time_window', 'at 16:30'],
  ['en', 'call me tonight', 'time_window', '2026-12-02 evening'],
  ['en', 'good morning, where is my order', 'time_window', null],
  ['sv', 'ring mej i morgon förmiddag', 'time_window', '2026-12-03 forenoon'],
  ['sv', 'god morgon, ring mig på eftermiddagen', 'time_window', 'afternoon'],
  ['sv', 'ring efter 3', 'time_window', 'after 15:00'],
  ['sv', 'god morgon', 'time_window', null],
];

describe('entity extraction', () => {
  test.each(timeWindows)('%s time window: %s', (...row) => check(row));
  test.each(places)('%s address/postcode: %s', (...row) => check(row));
  test.each(invoices)('%s invoice number: %s', (...row) => check(row));
  test.each(defects)('%s defect: %s', (...row) => check(row));

  test('has at least 150 table cases', () => {
    const total = [numbers, dates, times, contacts, orders, money, identity, yesNo, languages, customLists].reduce((sum, table) => sum + table.length, 0);
    expect(total).toBeGreaterThanOrEqual(150);
  });
  test.each(numbers)('%s number: %s', (...row) => check(row));
  test.each(dates)('%s date: %s', (...row) => check(row));
  test.each(times)('%s time: %s', (...row) => check(row));
  test.each(contacts)('%s contact: %s', (...row) => check(row));
  test.each(orders)('%s order number: %s', (...row) => check(row));
  test.each(money)('%s money: %s', (...row) => check(row));
  test.each(identity)('%s identity: %s', (...row) => check(row));
  test.each(yesNo)('%s yes/no: %s', (...row) => check(row));
  test.each(languages)('%s language: %s', (...row) => check(row));
  test.each(customLists)('%s list: %s', (...row) => check(row));

  test('a yes/no question finds the answer anywhere in the reply', () => {
    check(['fi', 'no siis kyllä', 'yes_no', 'yes'], { expectedEntity: 'yes_no' });
  });

  test('personal data is marked sensitive, with offsets into the original text', () => {
    const text = 'Hetu 131052-308T, tili FI21 1234 5600 0007 85, puh 040 123 4567, posti a@b.fi';
    const entities = extractors.fi(text, { now: NOW });
    for (const type of ['hetu', 'iban', 'phone', 'email']) {
      const entity = entities.find((e) => e.type === type);
      expect(entity?.sensitive).toBe(true);
      expect(text.slice(entity?.start, entity?.end)).toBe(entity?.text);
    }
  });

  test('order numbers follow the configured pattern', () => {
    const extract = createEntityExtractor({ locale: 'fi', orderNumberPattern: '[A-Z]{2}-?\\d{6}' });
    expect(pairs(extract('tilaus AB-123456', { now: NOW }))).toContain('order_number=AB-123456');
    expect(pairs(extract('tilaus 12345', { now: NOW }))).not.toContain('order_number=12345');
    // A prefix the pattern allows stays with the number instead of the digits alone becoming one.
    const prefixed = createEntityExtractor({ locale: 'en', orderNumberPattern: '(?:[A-Z]{2}-)?\\d{5}' });
    expect(pairs(prefixed('order AB-12345 please', { now: NOW })).filter((pair) => pair.startsWith('order_number='))).toEqual(['order_number=AB-12345']);
  });

  test('an invoice number is any digit run when the bot asked for one', () => {
    check(['fi', 'se on 7730215', 'invoice_number', '7730215'], { expectedEntity: 'invoice_number' });
    // …but not one the customer says is an order's.
    check(['fi', 'ai niin, tilaus 20260004, missä se on', 'invoice_number', null], { expectedEntity: 'invoice_number' });
    // …nor a parcel's.
    check(['en', 'never mind the bill, my parcel 12345 still hasnt come', 'invoice_number', null], { expectedEntity: 'invoice_number' });
    check(['sv', 'strunt i fakturan, paketet 12345 har inte kommit', 'invoice_number', null], { expectedEntity: 'invoice_number' });
  });

  test('card numbers are sensitive', () => {
    expect(extractors.fi('kortti 4111 1111 1111 1111', { now: NOW }).find((e) => e.type === 'card_number')?.sensitive).toBe(true);
  });

  test('any_text is the whole utterance when the state asks for it', () => {
    expect(pairs(extractors.fi('  kerro lisää  ', { now: NOW, expectedEntity: 'any_text' }))).toContain('any_text=kerro lisää');
  });

  test('bad input gives no entities and does not throw', () => {
    expect(extractors.fi('', { now: NOW })).toEqual([]);
    expect(extractors.fi(undefined as unknown as string)).toEqual([]);
    expect(() => extractors.en('9'.repeat(10_000), { now: NOW })).not.toThrow();
    expect(() => extractors.sv('€€€ ... ((( +++ ', { now: NOW })).not.toThrow();
  });
});

describe('entity extraction on hostile input', () => {
  test('long repetitive inputs finish and find nothing odd', () => {
    const extract = createEntityExtractor({ locale: 'fi' });
    expect(() => extract('kaksi'.repeat(500))).not.toThrow();
    expect(() => extract('FI21 '.repeat(400))).not.toThrow();
    expect(() => extract('a@b.'.repeat(500))).not.toThrow();
    expect(() => createEntityExtractor({ locale: 'sv' })('ettettett'.repeat(200))).not.toThrow();
  });
});
