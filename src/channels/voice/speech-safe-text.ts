import type { Locale } from '../../core/turn';
import { spokenRange } from './spoken-numbers';

const WORDS: Record<Locale, { dot: string; slash: string; at: string }> = {
  fi: { dot: 'piste', slash: 'kauttaviiva', at: 'ät' },
  sv: { dot: 'punkt', slash: 'snedstreck', at: 'snabel-a' },
  en: { dot: 'dot', slash: 'slash', at: 'at' },
};

const URL_PATTERN = /\b(?:https?:\/\/)?(?:www\.)?((?:[a-z0-9-]+\.)+(?:fi|se|com|net|org|eu|io))((?:\/[\w\-./%]*)?)(?:\?[^\s]*[^\s.,!?])?/gi;
const EMAIL_PATTERN = /\b([\w.+-]+)@([\w-]+(?:\.[\w-]+)+)\b/g;
/** Phone numbers: +358 40 123 4567, 040-123 4567, 0401234567 (7+ digits with optional separators). */
const PHONE_PATTERN = /(?<![\w+])(\+?\d[\d -]{5,}\d)(?![\w])/g;
/** Ids with a letter prefix, e.g. the ticket id ASPA-000123. */
const PREFIXED_ID_PATTERN = /\b([A-Z]{2,6})-(\d{3,})\b/g;
/** Order numbers and other long digit runs. */
const LONG_NUMBER_PATTERN = /\b\d{5,}\b/g;

/** Abbreviations read out in full; matched as whole words, case-sensitively where case matters. */
const ABBREVIATIONS: Record<Locale, Array<[RegExp, string]>> = {
  fi: [
    [/\bklo\b\.?/g, 'kello'], [/\besim\./g, 'esimerkiksi'], [/\bmm\.(?=\s)/g, 'muun muassa'], [/\bjne\./g, 'ja niin edelleen'],
    [/\bns\./g, 'niin sanottu'], [/\bpuh\.(?=\s)/g, 'puhelin'], [/\bn\.(?=\s*\d)/g, 'noin'], [/\bsis\.(?=\s)/g, 'sisältää'],
    [/\balv\b\.?/gi, 'arvonlisävero'], [/\bpvm\b\.?/g, 'päivämäärä'], [/\bmin\b\.?(?=[\s.,!?]|$)/g, 'minuuttia'],
    [/\bMbit\/s\b/g, 'megabittiä sekunnissa'], [/\bGt\b/g, 'gigatavua'], [/\bkpl\b(?:\.(?=\s+\p{Ll}))?/gu, 'kappaletta'],
  ],
  sv: [
    [/\bkl\.(?=\s*\d)/g, 'klockan'], [/\bt\.ex\./g, 'till exempel'], [/\bbl\.a\./g, 'bland annat'], [/\bosv\./g, 'och så vidare'],
    [/\bca\b\.?(?=\s*\d)/g, 'cirka'], [/\btel\.(?=\s)/g, 'telefon'], [/\binkl\.(?=\s)/g, 'inklusive'], [/\bmin\b\.?(?=[\s.,!?]|$)/g, 'minuter'],
    [/\bMbit\/s\b/g, 'megabit per sekund'], [/\bGB\b/g, 'gigabyte'], [/(?<=\d\s?)st\b(?:\.(?=\s+\p{Ll}))?/gu, 'stycken'],
  ],
  en: [
    [/\be\.g\./g, 'for example'], [/\bi\.e\./g, 'that is'], [/\betc\./g, 'et cetera'], [/\bapprox\.(?=\s)/g, 'approximately'],
    [/\btel\.(?=\s)/g, 'phone'], [/\bincl\.(?=\s)/g, 'including'], [/\bmins?\b\.?(?=[\s.,!?]|$)/g, 'minutes'],
    [/\bMbit\/s\b/g, 'megabits per second'], [/\bGB\b/g, 'gigabytes'], [/\bpcs\b(?:\.(?=\s+\p{Ll}))?/gu, 'pieces'],
  ],
};

/** Product names as a Finnish, Swedish or English speaker says them ("WiFi 6" is "wifi kuutonen", not "wifi 6"). */
const PRODUCT_NAMES: Record<Locale, Array<[RegExp, string]>> = {
  fi: [[/\bWi-?Fi\s*6\s*-(?=\p{L})/giu, 'wifi kuutos'], [/\bWi-?Fi\s*6E\b/gi, 'wifi kuutonen E'], [/\bWi-?Fi\s*6\b/gi, 'wifi kuutonen'], [/\bWi-?Fi\b/gi, 'wifi'], [/\b5G\b/g, 'viisi gee'], [/\b4G\b/g, 'neljä gee']],
  sv: [[/\bWi-?Fi\s*6E\b/gi, 'wifi sex E'], [/\bWi-?Fi\s*6\b/gi, 'wifi sex'], [/\bWi-?Fi\b/gi, 'wifi'], [/\b5G\b/g, 'fem ge'], [/\b4G\b/g, 'fyra ge']],
  en: [[/\bWi-?Fi\s*6E\b/gi, 'wifi six E'], [/\bWi-?Fi\s*6\b/gi, 'wifi six'], [/\bWi-?Fi\b/gi, 'wifi'], [/\b5G\b/g, 'five G'], [/\b4G\b/g, 'four G']],
};

/** Weekday ranges: "ma–pe" is "maanantaista perjantaihin". */
const WEEKDAYS: Record<Locale, { short: string[]; from: string[]; to: string[] }> = {
  fi: {
    short: ['ma', 'ti', 'ke', 'to', 'pe', 'la', 'su'],
    from: ['maanantaista', 'tiistaista', 'keskiviikosta', 'torstaista', 'perjantaista', 'lauantaista', 'sunnuntaista'],
    to: ['maanantaihin', 'tiistaihin', 'keskiviikkoon', 'torstaihin', 'perjantaihin', 'lauantaihin', 'sunnuntaihin'],
  },
  sv: {
    short: ['mån', 'tis', 'ons', 'tor', 'fre', 'lör', 'sön'],
    from: ['måndag', 'tisdag', 'onsdag', 'torsdag', 'fredag', 'lördag', 'söndag'],
    to: ['måndag', 'tisdag', 'onsdag', 'torsdag', 'fredag', 'lördag', 'söndag'],
  },
  en: {
    short: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
    from: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
    to: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
  },
};

const MONEY: Record<Locale, { one: string; many: string; cent: string; cents: string; and: string }> = {
  fi: { one: 'euro', many: 'euroa', cent: 'sentti', cents: 'senttiä', and: '' },
  sv: { one: 'euro', many: 'euro', cent: 'cent', cents: 'cent', and: 'och ' },
  en: { one: 'euro', many: 'euros', cent: 'cent', cents: 'cents', and: 'and ' },
};

/** Screen sizes: `55"` is "55 tuumaa", not a stray quote. */
const INCHES: Record<Locale, string> = { fi: 'tuumaa', sv: 'tum', en: 'inch' };

/**
 * A single weekday before an hour ("Sat 10–15", "lör 10–15") in full. English only when capitalised, so "sat 2 hours"
 * stays; Finnish short forms ("la", "to") are ordinary words, and the Finnish texts write the day out anyway.
 */
const SINGLE_DAY: Partial<Record<Locale, RegExp>> = {
  sv: /\b(mån|tis|ons|tor|fre|lör|sön)\.?(?=\s+\d)/gi,
  en: /\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\.?(?=\s+\d)/g,
};

const DASH = '[\u2013\u2014-]';
/** "5–8", "8.00–16.00", "9:30 - 17": numbers (or whole-hour times) joined by a dash. */
const RANGE_PATTERN = new RegExp(`(?<![\\w.,:])(\\d{1,4}(?:[.:]\\d{2})?)\\s*${DASH}\\s*(\\d{1,4}(?:[.:]\\d{2})?)(?![\\w.,:]\\d)`, 'g');

function speakMoney(whole: string, cents: string | undefined, locale: Locale): string {
  const words = MONEY[locale];
  const euros = `${whole} ${whole === '1' ? words.one : words.many}`;
  if (!cents || /^0+$/.test(cents)) return euros;
  const value = String(Number(cents));
  return `${euros} ${words.and}${value} ${value === '1' ? words.cent : words.cents}`;
}

/** Ranges, weekday ranges and money in words, per locale. */
function speakQuantities(text: string, locale: Locale): string {
  const days = WEEKDAYS[locale];
  const dayPattern = new RegExp(`\\b(${days.short.join('|')})\\.?\\s*${DASH}\\s*(${days.short.join('|')})\\b\\.?`, 'gi');
  let out = text.replace(dayPattern, (match, from: string, to: string) => {
    const start = days.short.indexOf(from.toLowerCase());
    const end = days.short.indexOf(to.toLowerCase());
    if (start < 0 || end < 0) return match;
    return locale === 'fi' ? `${days.from[start]} ${days.to[end]}` : `${days.from[start]} ${locale === 'sv' ? 'till' : 'to'} ${days.to[end]}`;
  });
  const single = SINGLE_DAY[locale];
  if (single) out = out.replace(single, (match, day: string) => days.to[days.short.indexOf(day.toLowerCase())] ?? match);
  // Whole hours lose their ":00" ("8.00–16.00" is "kahdeksasta kuuteentoista"); other times stay as they are.
  out = out.replace(RANGE_PATTERN, (_match, from: string, to: string) =>
    spokenRange(from.replace(/[.:]00$/, ''), to.replace(/[.:]00$/, ''), locale));
  out = out.replace(/€\s?(\d+)(?:[.,](\d{2}))?\b/g, (_m, whole: string, cents?: string) => speakMoney(whole, cents, locale));
  out = out.replace(/\b(\d+)(?:[.,](\d{2}))?\s?(?:€|EUR\b|e\b(?=[\s.,!?]|$))/g, (_m, whole: string, cents?: string) => speakMoney(whole, cents, locale));
  // "3,90 euroa" / "3.90 euros": the word is there, the decimals are not said as "pilkku yhdeksänkymmentä".
  out = out.replace(/\b(\d+)[.,](\d{2})\s(?:euroa|euros|euro)\b/gi, (_m, whole: string, cents: string) => speakMoney(whole, cents, locale));
  out = out.replace(/\b(\d+)\s?["\u201d](?=[\s.,!?)]|$)/g, `$1 ${INCHES[locale]}`);
  return out.replace(/€/g, ` ${MONEY[locale].many} `);
}

/** Brackets are not heard: "(WiFi 6 -reititin)" becomes a pause-delimited aside, and a Finnish "6 -reititin" compound loses its dash. */
function speakBrackets(text: string): string {
  let out = text;
  // Innermost first, so "(Mesh-verkkosarja (3 kpl))" leaves no bracket behind; the bound stops a pathological input.
  for (let depth = 0; depth < 4 && /\([^()]*\)/.test(out); depth += 1) {
    out = out.replace(/\s*\(([^()]*)\)\s*([.,!?;:])?/g, (_m, inner: string, punctuation?: string) => `, ${inner.trim()}${punctuation ?? ','} `);
  }
  return out
    .replace(/\s-(?=\p{L})/gu, ' ')
    .replace(/[[\]{}]/g, ' ')
    .replace(/,\s*,/g, ',');
}

function digitByDigit(digits: string): string {
  return digits.replace(/\D/g, '').split('').join(' ');
}

/**
 * Makes a message safe and natural for `<Say>`: markup and emoji go, URLs and e-mail addresses are read
 * in words, and order numbers, ticket ids and phone numbers are read digit by digit ("1 2 3 4 5")
 * instead of as one big number. The output is plain text; the TwiML builder escapes it.
 */
export function toSpeechSafeText(text: string, locale: Locale): string {
  const words = WORDS[locale];
  let out = text
    .replace(/<[^>]*>/g, ' ') // HTML/SSML tags
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1') // markdown links keep their label
    .replace(/[*_`#>~]+/g, ' ')
    .replace(/\p{Extended_Pictographic}/gu, ' ');
  out = out.replace(EMAIL_PATTERN, (_m, user: string, domain: string) =>
    `${user.replace(/\./g, ` ${words.dot} `)} ${words.at} ${domain.split('.').join(` ${words.dot} `)}`);
  out = out.replace(URL_PATTERN, (_m, host: string, path: string) => {
    const spokenHost = host.split('.').join(` ${words.dot} `);
    const parts = (path ?? '').split('/').filter((part) => part.length > 0);
    return [spokenHost, ...parts].join(` ${words.slash} `);
  });
  for (const [pattern, replacement] of [...PRODUCT_NAMES[locale], ...ABBREVIATIONS[locale]]) out = out.replace(pattern, replacement);
  out = out.replace(PREFIXED_ID_PATTERN, (_m, prefix: string, digits: string) => `${prefix.split('').join(' ')}, ${digitByDigit(digits)}`);
  out = out.replace(PHONE_PATTERN, (match) => {
    const digits = match.replace(/\D/g, '');
    if (digits.length < 7) return match;
    return `${match.trim().startsWith('+') ? '+ ' : ''}${digitByDigit(digits)}`;
  });
  out = speakQuantities(out, locale);
  out = out.replace(LONG_NUMBER_PATTERN, (match) => digitByDigit(match));
  out = speakBrackets(out);
  return out.replace(/\s+/g, ' ').replace(/\s+([.,!?;:])/g, '$1').replace(/([.,!?;:])[,]+/g, '$1').replace(/,\s*$/, '').trim();
}

/**
 * SSML for voices that read it (Google text-to-speech in stream mode): the speech-safe text escaped, digit
 * sequences ("1 2 3 4 5") as characters with no pauses between them, and a short pause between sentences.
 */
export function toSpeechSsml(speechSafe: string): string {
  const escaped = speechSafe.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const body = escaped
    .replace(/\b\d(?: \d){3,}\b/g, (digits) => `<say-as interpret-as="characters">${digits.replace(/ /g, '')}</say-as>`)
    .replace(/([.!?])\s+(?=\S)/g, '$1 <break time="250ms"/> ');
  return `<speak>${body}</speak>`;
}
