import type { Locale } from '../core/turn';
import { finnishPublicHolidays } from './finnish-holidays';
import { HandoffConfigError } from './handoff-config-error';
import {
  addDays, daysBetween, fromLocal, isValidTimeZone, isoDate, toLocal, type LocalDate,
} from './zoned-time';

export type WeekdayKey = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
/** Indexed like `Date.getUTCDay` (0 = Sunday). */
const WEEKDAY_KEYS: readonly WeekdayKey[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Opening hours of the human agents. Every field is optional; the defaults are a Finnish office. */
export interface BusinessHoursConfig {
  /** IANA zone the schedule is written in (default `Europe/Helsinki`). */
  timeZone?: string;
  /**
   * Opening ranges per weekday, `HH:MM-HH:MM` (end may be `24:00`; a range never crosses midnight: split it).
   * When given it replaces the default schedule entirely; a missing day is closed.
   * Default: mon–fri `08:00-18:00`, sat `10:00-15:00`.
   */
  weekly?: Partial<Record<WeekdayKey, string[]>>;
  /** Extra closed days: `YYYY-MM-DD` once, or `MM-DD` every year. */
  holidays?: string[];
  /** Close on Finnish public holidays and on juhannus- and jouluaatto (default true). */
  finnishHolidays?: boolean;
}

export const DEFAULT_WEEKLY_SCHEDULE: Readonly<Record<WeekdayKey, string[]>> = Object.freeze({
  mon: ['08:00-18:00'], tue: ['08:00-18:00'], wed: ['08:00-18:00'], thu: ['08:00-18:00'], fri: ['08:00-18:00'],
  sat: ['10:00-15:00'], sun: [],
});

export interface BusinessHours {
  readonly timeZone: string;
  /** True when agents work at `at` (ms). */
  isOpen(at: number): boolean;
  /** `at` itself when open, else the start of the next opening range; undefined when none within a year. */
  nextOpening(at: number): number | undefined;
  /** Why `at` is closed when it is a holiday: the holiday's name (Finnish) or `holiday`. */
  holidayAt(at: number): string | undefined;
}

interface MinuteRange {
  start: number;
  end: number;
}

const RANGE_PATTERN = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const YEARLY_PATTERN = /^(\d{2})-(\d{2})$/;
/** How far ahead `nextOpening` looks; a schedule closed for longer than this has no "next opening". */
const SEARCH_DAYS = 400;

function isRealDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function parseRange(text: unknown): MinuteRange | string {
  if (typeof text !== 'string') return `${JSON.stringify(text)} is not a string like "08:00-18:00"`;
  const match = RANGE_PATTERN.exec(text.trim());
  if (!match) return `"${text}" is not a range like "08:00-18:00"`;
  const [startHour, startMinute, endHour, endMinute] = match.slice(1).map(Number);
  const start = startHour * 60 + startMinute;
  const end = endHour * 60 + endMinute;
  if (startHour > 23 || startMinute > 59 || endMinute > 59 || end > 24 * 60) return `"${text}" has an impossible time (use 00:00–24:00)`;
  if (start >= end) return `"${text}" ends before it starts; split a range that crosses midnight into two days`;
  return { start, end };
}

/** Every problem in a business-hours config, as readable sentences; empty when it is valid. */
export function validateBusinessHoursConfig(config: unknown): string[] {
  if (config === undefined) return [];
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return ['business hours must be an object'];
  const problems: string[] = [];
  const { timeZone, weekly, holidays, finnishHolidays, ...unknownKeys } = config as Record<string, unknown>;
  for (const key of Object.keys(unknownKeys)) problems.push(`unknown setting "${key}" (known: timeZone, weekly, holidays, finnishHolidays)`);
  if (timeZone !== undefined && !isValidTimeZone(timeZone)) problems.push(`timeZone ${JSON.stringify(timeZone)} is not an IANA time zone such as "Europe/Helsinki"`);
  if (finnishHolidays !== undefined && typeof finnishHolidays !== 'boolean') problems.push('finnishHolidays must be true or false');
  if (weekly !== undefined) {
    if (typeof weekly !== 'object' || weekly === null || Array.isArray(weekly)) {
      problems.push('weekly must map weekdays (mon … sun) to lists of "HH:MM-HH:MM" ranges');
    } else {
      let ranges = 0;
      for (const [day, list] of Object.entries(weekly)) {
        if (!(WEEKDAY_KEYS as readonly string[]).includes(day)) {
          problems.push(`weekly: "${day}" is not a weekday; use ${WEEKDAY_KEYS.slice(1).concat('sun').join(', ')}`);
          continue;
        }
        if (!Array.isArray(list)) {
          problems.push(`weekly.${day} must be a list of ranges such as ["08:00-12:00", "13:00-18:00"]`);
          continue;
        }
        for (const entry of list) {
          const parsed = parseRange(entry);
          if (typeof parsed === 'string') problems.push(`weekly.${day}: ${parsed}`);
          else ranges += 1;
        }
      }
      if (ranges === 0 && problems.length === 0) problems.push('weekly has no opening range at all: give at least one, or agents would never be reachable');
    }
  }
  if (holidays !== undefined) {
    if (!Array.isArray(holidays)) {
      problems.push('holidays must be a list of dates ("2026-12-31" once, or "12-31" every year)');
    } else {
      for (const entry of holidays) {
        const text = typeof entry === 'string' ? entry : '';
        const once = DATE_PATTERN.exec(text);
        const yearly = YEARLY_PATTERN.exec(text);
        const valid = once
          ? isRealDate(Number(once[1]), Number(once[2]), Number(once[3]))
          : yearly !== null && isRealDate(2024, Number(yearly[1]), Number(yearly[2]));
        if (!valid) problems.push(`holidays: ${JSON.stringify(entry)} is not a date like "2026-12-31" or "12-31"`);
      }
    }
  }
  return problems;
}

/**
 * Builds the opening-hours calendar. Throws `HandoffConfigError` listing every problem when the config is invalid.
 * Times are compared on the zone's wall clock, so DST changes move nothing: 08:00 is 08:00 summer and winter.
 */
export function createBusinessHours(config: BusinessHoursConfig = {}): BusinessHours {
  const problems = validateBusinessHoursConfig(config);
  if (problems.length > 0) throw new HandoffConfigError('business hours', problems);

  const timeZone = config.timeZone ?? 'Europe/Helsinki';
  const weekly = config.weekly ?? DEFAULT_WEEKLY_SCHEDULE;
  const schedule: MinuteRange[][] = WEEKDAY_KEYS.map((day) =>
    (weekly[day] ?? []).map((text) => parseRange(text) as MinuteRange).sort((left, right) => left.start - right.start),
  );
  const onceHolidays = new Set((config.holidays ?? []).filter((date) => DATE_PATTERN.test(date)));
  const yearlyHolidays = new Set((config.holidays ?? []).filter((date) => YEARLY_PATTERN.test(date)));
  const useFinnish = config.finnishHolidays ?? true;
  const finnishByYear = new Map<number, Map<string, string>>();

  function holidayOn(date: LocalDate): string | undefined {
    const iso = isoDate(date);
    if (onceHolidays.has(iso) || yearlyHolidays.has(iso.slice(5))) return 'holiday';
    if (!useFinnish) return undefined;
    let holidays = finnishByYear.get(date.year);
    if (!holidays) {
      holidays = new Map(finnishPublicHolidays(date.year).map((holiday) => [holiday.date, holiday.name]));
      finnishByYear.set(date.year, holidays);
    }
    return holidays.get(iso);
  }

  function isOpen(at: number): boolean {
    const local = toLocal(at, timeZone);
    if (holidayOn(local)) return false;
    const minute = local.hour * 60 + local.minute;
    return schedule[local.weekday].some((range) => range.start <= minute && minute < range.end);
  }

  function nextOpening(at: number): number | undefined {
    if (isOpen(at)) return at;
    const today = toLocal(at, timeZone);
    for (let offset = 0; offset < SEARCH_DAYS; offset += 1) {
      const date = addDays(today, offset);
      if (holidayOn(date)) continue;
      for (const range of schedule[(today.weekday + offset) % 7]) {
        const start = fromLocal(date, Math.floor(range.start / 60), range.start % 60, timeZone);
        if (start > at) return start;
      }
    }
    return undefined;
  }

  return {
    timeZone,
    isOpen,
    nextOpening,
    holidayAt: (at) => holidayOn(toLocal(at, timeZone)),
  };
}

const FI_WEEKDAYS = ['sunnuntaina', 'maanantaina', 'tiistaina', 'keskiviikkona', 'torstaina', 'perjantaina', 'lauantaina'];
const EN_WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const SV_WEEKDAYS = ['söndag', 'måndag', 'tisdag', 'onsdag', 'torsdag', 'fredag', 'lördag'];
const EN_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** What to say when there is no opening in sight (a schedule closed for over a year). */
export const NO_OPENING_PHRASE: Readonly<Record<Locale, string>> = Object.freeze({ fi: 'myöhemmin', en: 'later', sv: 'senare' });

/**
 * "When are people back", as the bot says it: "tänään klo 14", "huomenna klo 8.30", "maanantaina klo 8";
 * "today at 14:00", "tomorrow at 8:00", "on Monday at 8:00"; "i dag kl. 14", "i morgon kl. 8", "på måndag kl. 8".
 * More than six days ahead the date is added ("maanantaina 5.1. klo 8").
 */
export function formatOpening(opening: number, now: number, locale: Locale, timeZone: string): string {
  const when = toLocal(opening, timeZone);
  const days = daysBetween(toLocal(now, timeZone), when);
  const nordicTime = when.minute === 0 ? `${when.hour}` : `${when.hour}.${String(when.minute).padStart(2, '0')}`;
  const englishTime = `${when.hour}:${String(when.minute).padStart(2, '0')}`;
  const farAway = days > 6;
  switch (locale) {
    case 'fi': {
      const day = days <= 0 ? 'tänään' : days === 1 ? 'huomenna'
        : `${FI_WEEKDAYS[when.weekday]}${farAway ? ` ${when.day}.${when.month}.` : ''}`;
      return `${day} klo ${nordicTime}`;
    }
    case 'sv': {
      const day = days <= 0 ? 'i dag' : days === 1 ? 'i morgon'
        : `på ${SV_WEEKDAYS[when.weekday]}${farAway ? ` ${when.day}/${when.month}` : ''}`;
      return `${day} kl. ${nordicTime}`;
    }
    case 'en': {
      const day = days <= 0 ? 'today' : days === 1 ? 'tomorrow'
        : `on ${EN_WEEKDAYS[when.weekday]}${farAway ? ` ${when.day} ${EN_MONTHS[when.month - 1]}` : ''}`;
      return `${day} at ${englishTime}`;
    }
  }
}
