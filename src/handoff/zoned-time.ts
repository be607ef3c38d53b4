/**
 * Wall-clock arithmetic in an IANA time zone with nothing but `Intl.DateTimeFormat`, so the core needs no
 * time-zone library. Dates are plain `{ year, month, day }` values (month 1–12) in the zone's calendar.
 */

export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

export interface LocalDateTime extends LocalDate {
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday … 6 = Saturday, as `Date.getUTCDay`. */
  weekday: number;
}

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    // en-US + h23 gives plain numbers and never the "24" hour some locales print at midnight.
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True when `timeZone` is an IANA zone name this runtime knows. */
export function isValidTimeZone(timeZone: unknown): timeZone is string {
  if (typeof timeZone !== 'string' || timeZone.length === 0) return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * Offsets are cached per 15-minute slice of UTC time: formatting a date in a zone costs tens of µs, and
 * every offset change on record (DST, zone reforms) happens on a quarter hour, so one slice has one offset.
 */
const SLICE_MS = 15 * 60_000;
const MAX_CACHED_SLICES = 20_000;
const offsetCache = new Map<string, Map<number, number>>();

function measureOffset(at: number, timeZone: string): number {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(at))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const wallAsUtc = Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute, fields.second);
  return wallAsUtc - Math.floor(at / 1000) * 1000;
}

/** Offset of the zone from UTC at instant `at`, in ms (Helsinki: +2 h in winter, +3 h in summer). */
export function offsetAt(at: number, timeZone: string): number {
  let slices = offsetCache.get(timeZone);
  if (!slices) {
    slices = new Map();
    offsetCache.set(timeZone, slices);
  }
  const slice = Math.floor(at / SLICE_MS);
  let offset = slices.get(slice);
  if (offset === undefined) {
    offset = measureOffset(at, timeZone);
    if (slices.size >= MAX_CACHED_SLICES) slices.clear();
    slices.set(slice, offset);
  }
  return offset;
}

/** The wall-clock time at instant `at` (ms) in `timeZone`. */
export function toLocal(at: number, timeZone: string): LocalDateTime {
  const wall = new Date(at + offsetAt(at, timeZone));
  // A literal, not a spread: spreading small objects is far slower and this runs on every `isOpen`.
  return {
    year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate(),
    hour: wall.getUTCHours(), minute: wall.getUTCMinutes(), second: wall.getUTCSeconds(), weekday: wall.getUTCDay(),
  };
}

/**
 * The instant when the wall clock in `timeZone` shows `date` `hour:minute`. A time that happens twice (autumn
 * DST change) gives the earlier instant; a time that does not exist (spring gap) gives the moment the gap ends,
 * so an opening at 03:30 on that night opens when the clocks jump to 04:00. `hour` may be 24 (= 00:00 the next day).
 */
export function fromLocal(date: LocalDate, hour: number, minute: number, timeZone: string): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day, hour, minute);
  // Real zones change offset at most once in two days, so the offsets a day before and after cover both sides.
  const offsetBefore = offsetAt(wall - DAY_MS, timeZone);
  const offsetAfter = offsetAt(wall + DAY_MS, timeZone);
  const candidates = [wall - offsetBefore, wall - offsetAfter].filter(
    (candidate) => candidate + offsetAt(candidate, timeZone) === wall,
  );
  if (candidates.length > 0) return Math.min(...candidates);
  // In the gap: the first instant the clock shows a later time, i.e. the moment the clocks jump.
  let before = wall - offsetAfter;
  let after = wall - offsetBefore;
  while (after - before > 1000) {
    const middle = before + Math.floor((after - before) / 2000) * 1000;
    if (middle + offsetAt(middle, timeZone) >= wall) after = middle;
    else before = middle;
  }
  return after;
}

export function weekdayOf(date: LocalDate): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}

export function addDays(date: LocalDate, days: number): LocalDate {
  const shifted = new Date(Date.UTC(date.year, date.month - 1, date.day) + days * DAY_MS);
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

/** Whole calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: LocalDate, to: LocalDate): number {
  return Math.round((Date.UTC(to.year, to.month - 1, to.day) - Date.UTC(from.year, from.month - 1, from.day)) / DAY_MS);
}

/** `YYYY-MM-DD`. */
export function isoDate(date: LocalDate): string {
  return `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}
