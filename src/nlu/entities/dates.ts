import type { Locale } from '../../core/turn';
import type { Token } from '../normalize-text';
import { ordinalAt, ordinalEndingAt } from './ordinals';

/** A calendar day in the deployment's time zone. */
interface Day {
  year: number;
  month: number;
  day: number;
}

export interface DateSpan {
  /** ISO date, YYYY-MM-DD. */
  value: string;
  startToken: number;
  endToken: number;
}

/** The calendar day of `now` in `timeZone`. */
// Building an Intl.DateTimeFormat costs far more than using one: keep one per time zone.
const formatters = new Map<string, Intl.DateTimeFormat>();

let lastDay: { key: string; day: Day } | undefined;

export function dayOf(now: number, timeZone: string): Day {
  // formatToParts is slow too; the day changes at most once a minute as far as any caller can tell.
  const key = `${timeZone} ${Math.floor(now / 60_000)}`;
  if (lastDay?.key === key) return lastDay.day;
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(new Date(now));
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  const day = { year: get('year'), month: get('month'), day: get('day') };
  lastDay = { key, day };
  return day;
}

function addDays(day: Day, days: number): Day {
  const date = new Date(Date.UTC(day.year, day.month - 1, day.day + days));
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

/** Monday = 0 ... Sunday = 6. */
function weekdayOf(day: Day): number {
  return (new Date(Date.UTC(day.year, day.month - 1, day.day)).getUTCDay() + 6) % 7;
}

function iso(day: Day): string {
  return `${day.year}-${String(day.month).padStart(2, '0')}-${String(day.day).padStart(2, '0')}`;
}

function validDay(year: number, month: number, day: number): Day | undefined {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day && month >= 1 && month <= 12 ? { year, month, day } : undefined;
}

// Prefixes, so inflected forms match ("maanantaina", "perjantaihin", "fredags").
const WEEKDAYS: Record<Locale, string[]> = {
  fi: ['maanantai', 'tiistai', 'keskiviik', 'torstai', 'perjanta', 'lauanta', 'sunnunta'],
  en: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'],
  sv: ['måndag', 'tisdag', 'onsdag', 'torsdag', 'fredag', 'lördag', 'söndag'],
};
const MONTHS: Record<Locale, string[]> = {
  fi: ['tammi', 'helmi', 'maalis', 'huhti', 'touko', 'kesä', 'heinä', 'elo', 'syys', 'loka', 'marras', 'joulu'],
  en: ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'],
  sv: ['januari', 'februari', 'mars', 'april', 'maj', 'juni', 'juli', 'augusti', 'september', 'oktober', 'november', 'december'],
};
/** Words for today (0), tomorrow (1), the day after (2), yesterday (-1), as token sequences. */
const RELATIVE: Record<Locale, [string[], number][]> = {
  fi: [[['tänään'], 0], [['tänäänkin'], 0], [['huomenna'], 1], [['huomiseksi'], 1], [['huomisaamuna'], 1], [['huominen'], 1], [['ylihuomenna'], 2], [['eilen'], -1], [['toissapäivänä'], -2]],
  en: [[['today'], 0], [['tonight'], 0], [['tomorrow'], 1], [['day', 'after', 'tomorrow'], 2], [['yesterday'], -1]],
  sv: [[['idag'], 0], [['i', 'dag'], 0], [['ikväll'], 0], [['i', 'kväll'], 0], [['imorgon'], 1], [['i', 'morgon'], 1], [['imorn'], 1], [['i', 'morn'], 1],
    [['i', 'övermorgon'], 2], [['övermorgon'], 2], [['igår'], -1], [['i', 'går'], -1]],
};
const NEXT: Record<Locale, string[]> = { fi: ['ensi', 'seuraavana', 'seuraava', 'tulevana'], en: ['next'], sv: ['nästa', 'nästkommande'] };
const THIS: Record<Locale, string[]> = { fi: ['tänä', 'tämän'], en: ['this', 'on', 'coming'], sv: ['på', 'denna', 'den', 'i'] };
const LAST: Record<Locale, string[]> = { fi: ['viime', 'viimeksi', 'edellisenä'], en: ['last'], sv: ['förra', 'i'] };
const WEEK: Record<Locale, string[]> = { fi: ['viikolla', 'viikoksi', 'viikko'], en: ['week'], sv: ['vecka', 'veckan'] };
const IN_DAYS: Record<Locale, { before?: string[]; after?: string[]; unit: string[] }> = {
  fi: { after: ['päästä', 'kuluttua'], unit: ['päivän', 'päivä'] },
  en: { before: ['in'], unit: ['days', 'day'] },
  sv: { before: ['om'], unit: ['dagar', 'dag'] },
};

function weekdayIndex(word: string, locale: Locale): number {
  return WEEKDAYS[locale].findIndex((prefix) => word.startsWith(prefix));
}

const FI_MONTH_PREFIXES = MONTHS.fi.map((prefix) => `${prefix}ku`);

function monthIndex(word: string, locale: Locale): number {
  if (locale === 'fi') return FI_MONTH_PREFIXES.findIndex((prefix) => word.startsWith(prefix));
  return MONTHS[locale].findIndex((name) => word === name || (name.length > 4 && word.startsWith(name.slice(0, 3)) && word.length <= name.length));
}

const DIGIT_DAY = /^(\d{1,2})(st|nd|rd|th)?$/;

/** A day of the month in digits or as an ordinal word that ends at `end` ("3rd", "kolmas", "twenty first"). */
function dayEndingAt(norms: string[], end: number, locale: Locale): { value: number; start: number } | undefined {
  if (end < 0) return undefined;
  const digits = DIGIT_DAY.exec(norms[end] ?? '');
  if (digits) return { value: Number(digits[1]), start: end };
  const ordinal = ordinalEndingAt(norms, end, locale);
  return ordinal ? { value: ordinal.value, start: end - ordinal.words + 1 } : undefined;
}

/** A day of the month in digits or as an ordinal word that starts at `start`, with its length in words. */
function dayStartingAt(norms: string[], start: number, locale: Locale): { value: number; words: number } | undefined {
  const digits = DIGIT_DAY.exec(norms[start] ?? '');
  if (digits) return { value: Number(digits[1]), words: 1 };
  return ordinalAt(norms, start, locale);
}

/**
 * Finds dates: relative words ("huomenna", "i morgon", "tomorrow"), weekdays ("ensi maanantaina", "next friday",
 * "på fredag"), "in 3 days", numeric dates (1.12.2026, 1.12., 2026-12-01) and month names ("1. joulukuuta",
 * "December 1st", "den 1 december"). Everything resolves against `now` in `timeZone`.
 */
export function findDates(tokens: Token[], text: string, locale: Locale, now: number, timeZone: string): DateSpan[] {
  const today = dayOf(now, timeZone);
  const spans: DateSpan[] = [];
  const used = new Set<number>();
  const add = (day: Day | undefined, startToken: number, endToken: number) => {
    if (!day) return;
    for (let at = startToken; at <= endToken; at++) if (used.has(at)) return;
    for (let at = startToken; at <= endToken; at++) used.add(at);
    spans.push({ value: iso(day), startToken, endToken });
  };
  const norms = tokens.map((token) => token.norm);

  // Numeric dates come straight from the text: 1.12.2026, 1.12., 2026-12-01.
  if (/\d/.test(text)) for (const match of text.matchAll(/(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})?(?![\d])|(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)/g)) {
    const at = match.index ?? 0;
    const startToken = tokens.findIndex((token) => token.end > at);
    const endToken = tokens.findIndex((token) => token.end >= at + match[0].length);
    if (startToken < 0) continue;
    if (match[4]) add(validDay(Number(match[4]), Number(match[5]), Number(match[6])), startToken, endToken < 0 ? tokens.length - 1 : endToken);
    else {
      // "klo 14.30." is a time, not a date.
      if (norms[startToken - 1] === 'klo' || norms[startToken - 1] === 'kello' || norms[startToken - 1] === 'kl') continue;
      const year = match[3] ? (match[3].length === 2 ? 2000 + Number(match[3]) : Number(match[3])) : today.year;
      add(validDay(year, Number(match[2]), Number(match[1])), startToken, endToken < 0 ? tokens.length - 1 : endToken);
    }
  }

  for (let at = 0; at < tokens.length; at++) {
    for (const [words, offset] of RELATIVE[locale]) {
      if (words.every((word, index) => norms[at + index] === word)) add(addDays(today, offset), at, at + words.length - 1);
    }
    const weekday = weekdayIndex(norms[at], locale);
    if (weekday >= 0) {
      const before = norms[at - 1];
      const todayIndex = weekdayOf(today);
      if (before && NEXT[locale].includes(before)) {
        // "ensi maanantaina" / "next monday": that day of next week.
        add(addDays(today, 7 - todayIndex + weekday), at - 1, at);
      } else if (before && LAST[locale].includes(before) && !(locale === 'sv' && before === 'i' && !norms[at].endsWith('s'))) {
        add(addDays(today, -(((todayIndex - weekday + 6) % 7) + 1)), at - 1, at);
      } else {
        // A bare weekday is the next one to come (today excluded).
        const ahead = ((weekday - todayIndex + 6) % 7) + 1;
        const start = before && THIS[locale].includes(before) ? at - 1 : at;
        add(addDays(today, ahead), start, at);
      }
    }
    if (NEXT[locale].includes(norms[at]) && WEEK[locale].includes(norms[at + 1] ?? '')) {
      add(addDays(today, 7 - weekdayOf(today)), at, at + 1);
    }
    // "3 päivän päästä", "in 3 days", "om 3 dagar".
    const rule = IN_DAYS[locale];
    const count = Number(norms[at]);
    if (/^\d{1,3}$/.test(norms[at]) && rule.unit.includes(norms[at + 1] ?? '')) {
      if (rule.after?.includes(norms[at + 2] ?? '')) add(addDays(today, count), at, at + 2);
      if (rule.before?.includes(norms[at - 1] ?? '')) add(addDays(today, count), at - 1, at + 1);
    }
    // Month names: "1. joulukuuta", "joulukuun 1.", "December 1st", "1st of December", "den 1 december", and the
    // same with ordinal words: "kolmas joulukuuta", "the third of December", "December third", "den tredje december".
    const month = monthIndex(norms[at], locale);
    if (month >= 0) {
      const before = dayEndingAt(norms, norms[at - 1] === 'of' ? at - 2 : at - 1, locale);
      const afterStart = norms[at + 1] === 'the' ? at + 2 : at + 1;
      const after = before ? undefined : dayStartingAt(norms, afterStart, locale);
      const yearAfter = (offset: number) => (/^\d{4}$/.test(norms[at + offset] ?? '') ? Number(norms[at + offset]) : undefined);
      if (before) {
        const year = yearAfter(1);
        add(validDay(year ?? today.year, month + 1, before.value), before.start, year ? at + 1 : at);
      } else if (after) {
        const end = afterStart + after.words - 1;
        const year = yearAfter(end - at + 1);
        add(validDay(year ?? today.year, month + 1, after.value), at, year ? end + 1 : end);
      }
    }
  }
  return spans.sort((a, b) => a.startToken - b.startToken);
}

export interface TimeSpan {
  /** HH:MM, 24-hour clock. */
  value: string;
  start: number;
  end: number;
}

/** Finds clock times: "klo 14", "kello 14.30", "14:30", "kl. 15", "at 3 pm", "3:30pm". */
export function findTimes(text: string): TimeSpan[] {
  const spans: TimeSpan[] = [];
  const folded = text.toLowerCase();
  const patterns: RegExp[] = [
    /\b(?:klo|kello|kl)\.?\s*(\d{1,2})(?:[.:](\d{2}))?(?!\d)/g,
    /(?<![\d.:])(\d{1,2})[:](\d{2})(?!\d)(?:\s*(am|pm|a\.m\.|p\.m\.))?/g,
    /(?<![\d.:])(\d{1,2})(?:[.:](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)(?![a-z])/g,
  ];
  for (const pattern of patterns) {
    for (const match of folded.matchAll(pattern)) {
      const start = match.index ?? 0;
      const end = start + match[0].length;
      if (spans.some((span) => span.start < end && start < span.end)) continue;
      let hours = Number(match[1]);
      const minutes = match[2] ? Number(match[2]) : 0;
      const meridiem = match[3];
      if (meridiem?.startsWith('p') && hours < 12) hours += 12;
      if (meridiem?.startsWith('a') && hours === 12) hours = 0;
      if (hours > 23 || minutes > 59) continue;
      spans.push({ value: `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`, start, end });
    }
  }
  return spans.sort((a, b) => a.start - b.start);
}
