import type { Locale } from '../../core/turn';
import type { Token } from '../normalize-text';
import type { NumberSpan } from './number-words';

/**
 * Finnish and Swedish street addresses and postcodes as customers write them: "Kauppakatu 22 B 9, 40100 Jyväskylä",
 * "asun Kalevankadulla 14 C 7:ssä Tampereella", "Åbovägen 7 A, Jakobstad", "kalevankatu neljätoista tampere".
 * The value is the address in its written form (street in the nominative, town in the nominative), which is what
 * a technician or a ticket needs; the parts are kept for flows that want them.
 */
export interface AddressSpan {
  value: string;
  street: string;
  number?: string;
  postcode?: string;
  town?: string;
  startToken: number;
  endToken: number;
}

export interface PostcodeSpan {
  value: string;
  startToken: number;
  endToken: number;
}

/**
 * Street-name endings. `forms` are the inflected endings that stand for the nominative `base`
 * ("Kalevankadulla" → "Kalevankatu"). Strong endings are streets whenever a house number or a town follows;
 * weak ones (also ordinary words: "ranta", "tori", "mäki") need a capital letter or an address cue word too.
 */
interface StreetEnding { base: string; forms: string[]; strong: boolean }

const FI_CASES_LLA = ['lla', 'lta', 'lle', 'n'];
const FI_CASES_LLÄ = ['llä', 'ltä', 'lle', 'n'];
const STREET_ENDINGS: StreetEnding[] = [
  { base: 'katu', forms: ['katu', ...FI_CASES_LLA.map((ending) => `kadu${ending}`)], strong: true },
  { base: 'tie', forms: ['tie', ...FI_CASES_LLÄ.map((ending) => `tie${ending}`)], strong: true },
  { base: 'kuja', forms: ['kuja', ...FI_CASES_LLA.map((ending) => `kuja${ending}`)], strong: true },
  { base: 'polku', forms: ['polku', ...FI_CASES_LLA.map((ending) => `polu${ending}`)], strong: true },
  { base: 'raitti', forms: ['raitti', ...FI_CASES_LLA.map((ending) => `raiti${ending}`)], strong: true },
  { base: 'väylä', forms: ['väylä', ...FI_CASES_LLÄ.map((ending) => `väylä${ending}`)], strong: true },
  { base: 'kaari', forms: ['kaari', ...FI_CASES_LLA.map((ending) => `kaare${ending}`)], strong: true },
  { base: 'bulevardi', forms: ['bulevardi', ...FI_CASES_LLA.map((ending) => `bulevardi${ending}`)], strong: true },
  { base: 'esplanadi', forms: ['esplanadi', ...FI_CASES_LLA.map((ending) => `esplanadi${ending}`)], strong: true },
  { base: 'rinne', forms: ['rinne', ...FI_CASES_LLÄ.map((ending) => `rintee${ending}`)], strong: false },
  { base: 'ranta', forms: ['ranta', ...FI_CASES_LLA.map((ending) => `ranna${ending}`)], strong: false },
  { base: 'puisto', forms: ['puisto', 'puistossa', 'puistosta', 'puistoon', 'puiston'], strong: false },
  { base: 'aukio', forms: ['aukio', ...FI_CASES_LLA.map((ending) => `aukio${ending}`)], strong: false },
  { base: 'tori', forms: ['tori', ...FI_CASES_LLA.map((ending) => `tori${ending}`)], strong: false },
  { base: 'kenttä', forms: ['kenttä', ...FI_CASES_LLÄ.map((ending) => `kentä${ending}`)], strong: false },
  { base: 'mäki', forms: ['mäki', ...FI_CASES_LLÄ.map((ending) => `mäe${ending}`)], strong: false },
  { base: 'piha', forms: ['piha', ...FI_CASES_LLA.map((ending) => `piha${ending}`)], strong: false },
  { base: 'portti', forms: ['portti', ...FI_CASES_LLA.map((ending) => `porti${ending}`)], strong: false },
  { base: 'tanhua', forms: ['tanhua', 'tanhualla', 'tanhuan'], strong: false },
  ...['vägen', 'gatan', 'gränd', 'gränden', 'stigen', 'allén', 'allen', 'esplanaden', 'leden', 'väg', 'gata'].map((base) => ({ base, forms: [base], strong: true })),
  ...['torget', 'backen', 'stranden', 'kajen', 'gården', 'parken', 'plan'].map((base) => ({ base, forms: [base], strong: false })),
];
// Longest ending first, so "kadulla" is tried before "n".
const ENDINGS = STREET_ENDINGS.flatMap((ending) => ending.forms.map((form) => ({ form, ending })))
  .sort((a, b) => b.form.length - a.form.length);

/** Words that say an address follows or precedes ("asun", "osoite", "bor på", "address"). */
const ADDRESS_CUES: Record<Locale, string[]> = {
  fi: ['asun', 'asumme', 'osoite', 'osoitteessa', 'osoitteeseen', 'osoitteella', 'osoitteesta', 'osote', 'osotteessa', 'kotona', 'kotiosoite', 'mökillä', 'talossa', 'taloyhtiössä'],
  en: ['address', 'live', 'at', 'located', 'home', 'house', 'flat', 'apartment'],
  sv: ['bor', 'adress', 'adressen', 'på', 'hemma', 'huset'],
};
/** Words for an apartment that precede its number: "as. 7", "asunto 7", "lgh 7", "bostad 7", "flat 7". */
const APARTMENT_WORDS = new Set(['as', 'asunto', 'asunnossa', 'lgh', 'lägenhet', 'bostad', 'bst', 'apt', 'apartment', 'flat']);
/** Words between the street and the town that do not end the address: "Kalevankatu 14, Tampere", "i Jakobstad". */
const TOWN_LINKS = new Set(['in', 'i']);

/**
 * Towns and cities of Finland by their nominative, with one locative form (inessive or adessive) from which the
 * other cases are made ("Tampereella" → "Tampereelta", "Tampereen"); Swedish names are not inflected.
 */
const TOWN_FORMS: [string, string?][] = [
  ['Helsinki', 'Helsingissä'], ['Espoo', 'Espoossa'], ['Vantaa', 'Vantaalla'], ['Kauniainen', 'Kauniaisissa'], ['Tampere', 'Tampereella'],
  ['Turku', 'Turussa'], ['Oulu', 'Oulussa'], ['Jyväskylä', 'Jyväskylässä'], ['Lahti', 'Lahdessa'], ['Kuopio', 'Kuopiossa'],
  ['Pori', 'Porissa'], ['Joensuu', 'Joensuussa'], ['Lappeenranta', 'Lappeenrannassa'], ['Hämeenlinna', 'Hämeenlinnassa'],
  ['Vaasa', 'Vaasassa'], ['Seinäjoki', 'Seinäjoella'], ['Rovaniemi', 'Rovaniemellä'], ['Mikkeli', 'Mikkelissä'], ['Kotka', 'Kotkassa'],
  ['Salo', 'Salossa'], ['Porvoo', 'Porvoossa'], ['Kokkola', 'Kokkolassa'], ['Hyvinkää', 'Hyvinkäällä'], ['Lohja', 'Lohjalla'],
  ['Järvenpää', 'Järvenpäässä'], ['Rauma', 'Raumalla'], ['Kajaani', 'Kajaanissa'], ['Kerava', 'Keravalla'], ['Savonlinna', 'Savonlinnassa'],
  ['Nokia', 'Nokialla'], ['Kangasala', 'Kangasalla'], ['Vihti', 'Vihdissä'], ['Riihimäki', 'Riihimäellä'], ['Raahe', 'Raahessa'],
  ['Imatra', 'Imatralla'], ['Pietarsaari', 'Pietarsaaressa'], ['Kemi', 'Kemissä'], ['Tornio', 'Torniossa'], ['Iisalmi', 'Iisalmessa'],
  ['Kouvola', 'Kouvolassa'], ['Kaarina', 'Kaarinassa'], ['Tuusula', 'Tuusulassa'], ['Sipoo', 'Sipoossa'], ['Kirkkonummi', 'Kirkkonummella'],
  ['Nurmijärvi', 'Nurmijärvellä'], ['Ylöjärvi', 'Ylöjärvellä'], ['Pirkkala', 'Pirkkalassa'], ['Lempäälä', 'Lempäälässä'], ['Raisio', 'Raisiossa'],
  ['Naantali', 'Naantalissa'], ['Loviisa', 'Loviisassa'], ['Hanko', 'Hangossa'], ['Tammisaari', 'Tammisaaressa'], ['Maarianhamina', 'Maarianhaminassa'],
  ['Kemijärvi', 'Kemijärvellä'], ['Sodankylä', 'Sodankylässä'], ['Inari', 'Inarissa'], ['Kittilä', 'Kittilässä'], ['Kuusamo', 'Kuusamossa'],
  ['Varkaus', 'Varkaudessa'], ['Forssa', 'Forssassa'], ['Heinola', 'Heinolassa'], ['Uusikaupunki', 'Uudessakaupungissa'], ['Äänekoski', 'Äänekoskella'],
  ['Valkeakoski', 'Valkeakoskella'], ['Ylivieska', 'Ylivieskassa'], ['Kankaanpää', 'Kankaanpäässä'], ['Lieto', 'Liedossa'], ['Mäntsälä', 'Mäntsälässä'],
  ['Helsingfors'], ['Esbo'], ['Vanda'], ['Grankulla'], ['Åbo'], ['Tammerfors'], ['Uleåborg'], ['Vasa'], ['Jakobstad'], ['Karleby'],
  ['Borgå'], ['Ekenäs'], ['Raseborg'], ['Mariehamn'], ['Lovisa'], ['Kristinestad'], ['Närpes'], ['Nykarleby'], ['Pargas'], ['Kimito'],
  ['Kyrkslätt'], ['Sibbo'], ['Hangö'], ['Lahtis'], ['Tavastehus'], ['Villmanstrand'], ['Björneborg'], ['Kaskö'], ['Korsholm'], ['Malax'],
];

/** Lower-cased written form → nominative town name. */
const TOWNS = new Map<string, string>();
for (const [name, locative] of TOWN_FORMS) {
  TOWNS.set(name.toLowerCase(), name);
  if (!locative) continue;
  const form = locative.toLowerCase();
  const stem = form.slice(0, -3);
  const vowel = form.slice(-1);
  const cases = form.slice(-3, -1) === 'ss' ? ['ss', 'st'] : ['ll', 'lt'];
  for (const ending of cases) TOWNS.set(`${stem}${ending}${vowel}`, name);
  TOWNS.set(`${stem}n`, name);
}
TOWNS.set('hki', 'Helsinki');

/** Words that look like a town after a postcode but are not ("00100 on postinumero"). */
const NOT_TOWNS = new Set(['on', 'ja', 'och', 'and', 'is', 'är', 'oli', 'mutta', 'but', 'men', 'siis', 'eli', 'ok', 'kiitos', 'tack', 'thanks']);

function streetOf(token: Token): { name: string; strong: boolean } | undefined {
  const norm = token.norm;
  for (const { form, ending } of ENDINGS) {
    // At least three letters of a name before the ending: "tiellä" alone is "on the road", not a street.
    if (norm.length < form.length + 3 || !norm.endsWith(form)) continue;
    if (!/^\p{L}+$/u.test(norm)) return undefined;
    const stem = token.text.slice(0, token.text.length - form.length);
    const name = `${stem}${ending.base}`;
    return { name: name[0].toUpperCase() + name.slice(1), strong: ending.strong };
  }
  return undefined;
}

function townOf(token: Token | undefined): string | undefined {
  if (!token) return undefined;
  return TOWNS.get(token.norm);
}

const isCapitalised = (token: Token) => /^\p{Lu}\p{Ll}/u.test(token.text);

/**
 * Finds street addresses and postcodes. A street word with a house number or a town after it is an address;
 * the stair letter, the apartment ("as. 7", "7:ssä"), the postcode and the town join it when they follow.
 * A five-digit number next to a town, inside an address or after "postinumero"/"postnummer"/"zip" is a postcode.
 */
export function findAddresses(tokens: Token[], text: string, locale: Locale, numberWords: NumberSpan[]): { addresses: AddressSpan[]; postcodes: PostcodeSpan[] } {
  const addresses: AddressSpan[] = [];
  const postcodes: PostcodeSpan[] = [];
  const gap = (left: number, right: number) => text.slice(tokens[left].end, tokens[right].start);
  const wordNumberAt = (at: number) => numberWords.find((span) => span.startToken === at && span.value > 0 && span.value < 1000);
  const cues = ADDRESS_CUES[locale];
  const isPostcode = (token: Token | undefined) => token !== undefined && /^\d{5}$/.test(token.norm);

  for (let at = 0; at < tokens.length; at++) {
    const street = streetOf(tokens[at]);
    if (!street) continue;
    let next = at + 1;
    let houseNumber: string | undefined;
    // The house number: "14", "14a", "14-16", or said in words ("neljätoista").
    if (/^\d{1,4}[a-h]?$/.test(tokens[next]?.norm ?? '') && !isPostcode(tokens[next])) {
      houseNumber = tokens[next].norm;
      next++;
      if (/^\d{1,4}$/.test(tokens[next]?.norm ?? '') && /^\s*[-–]\s*$/.test(gap(next - 1, next))) {
        houseNumber += `-${tokens[next].norm}`;
        next++;
      }
    } else {
      const spoken = wordNumberAt(next);
      if (spoken) {
        houseNumber = String(spoken.value);
        next = spoken.endToken + 1;
      }
    }
    const parts: string[] = [street.name];
    if (houseNumber) {
      parts.push(houseNumber.toUpperCase());
      // Stair letter and apartment: "C 7", "b 12", "A", "as. 7", "lgh 7", and a case ending after a colon ("7:ssä").
      if (/^[a-h]$/.test(tokens[next]?.norm ?? '') && !/[,.]/.test(gap(next - 1, next))) {
        parts.push(tokens[next].norm.toUpperCase());
        next++;
      }
      if (APARTMENT_WORDS.has(tokens[next]?.norm ?? '') && /^\d{1,4}$/.test(tokens[next + 1]?.norm ?? '')) {
        parts.push(tokens[next + 1].norm);
        next += 2;
      } else if (parts.length === 3 && /^\d{1,4}$/.test(tokens[next]?.norm ?? '') && !isPostcode(tokens[next]) && !/[,]/.test(gap(next - 1, next))) {
        parts.push(tokens[next].norm);
        next++;
      }
      if (/^\p{L}{1,4}$/u.test(tokens[next]?.norm ?? '') && gap(next - 1, next) === ':') next++;
    }
    // Postcode and town: ", 40100 Jyväskylä", " Tampereella", ", Jakobstad", " i Jakobstad".
    let look = next;
    if (TOWN_LINKS.has(tokens[look]?.norm ?? '')) look++;
    let postcode: string | undefined;
    let town: string | undefined;
    if (isPostcode(tokens[look])) {
      postcode = tokens[look].norm;
      postcodes.push({ value: postcode, startToken: look, endToken: look });
      const after = tokens[look + 1];
      town = townOf(after) ?? (after && isCapitalised(after) && !NOT_TOWNS.has(after.norm) ? after.text : undefined);
      next = town ? look + 2 : look + 1;
    } else {
      town = townOf(tokens[look]) ?? (houseNumber && tokens[look] && isCapitalised(tokens[look]) && /^\s*,\s*$/.test(gap(look - 1, look)) && !NOT_TOWNS.has(tokens[look].norm) ? tokens[look].text : undefined);
      if (town) next = look + 1;
    }
    if (!houseNumber && !town) continue;
    if (!street.strong && !isCapitalised(tokens[at]) && !cues.includes(tokens[at - 1]?.norm ?? '') && !postcode) continue;
    const place = [postcode, town].filter(Boolean).join(' ');
    addresses.push({ value: place ? `${parts.join(' ')}, ${place}` : parts.join(' '), street: street.name, number: houseNumber, postcode, town, startToken: at, endToken: next - 1 });
    at = next - 1;
  }

  // Postcodes outside an address: "40100 Jyväskylä", "postinumero 00100", "postnummer 68600", "zip code 00100".
  for (let at = 0; at < tokens.length; at++) {
    if (!isPostcode(tokens[at]) || postcodes.some((span) => span.startToken === at)) continue;
    const before = tokens[at - 1]?.norm ?? '';
    const cued = /^(postinumero|postinro|postinumeroni|postinumerolla|postnummer|postnumret|postnumber|zip|postcode|postal)$/.test(before)
      || (before === 'code' && /^(zip|postal|post)$/.test(tokens[at - 2]?.norm ?? ''));
    if (cued || townOf(tokens[at + 1]) !== undefined) postcodes.push({ value: tokens[at].norm, startToken: at, endToken: at });
  }
  return { addresses, postcodes };
}
