import { addDays, isoDate, weekdayOf, type LocalDate } from './zoned-time';

export interface Holiday {
  /** `YYYY-MM-DD` in the Finnish calendar. */
  date: string;
  /** The Finnish name, e.g. `pitkäperjantai`. */
  name: string;
}

/** Easter Sunday of `year` in the Gregorian calendar (the anonymous Gregorian computus, "Meeus/Jones/Butcher"). */
export function easterSunday(year: number): LocalDate {
  const golden = year % 19;
  const century = Math.floor(year / 100);
  const yearOfCentury = year % 100;
  const leapCenturies = Math.floor(century / 4);
  const centuryRest = century % 4;
  const lunarCorrection = Math.floor((century + 8) / 25);
  const solarCorrection = Math.floor((century - lunarCorrection + 1) / 3);
  const epact = (19 * golden + century - leapCenturies - solarCorrection + 15) % 30;
  const leapYears = Math.floor(yearOfCentury / 4);
  const yearRest = yearOfCentury % 4;
  const weekdayShift = (32 + 2 * centuryRest + 2 * leapYears - epact - yearRest) % 7;
  const correction = Math.floor((golden + 11 * epact + 22 * weekdayShift) / 451);
  const monthDay = epact + weekdayShift - 7 * correction + 114;
  return { year, month: Math.floor(monthDay / 31), day: (monthDay % 31) + 1 };
}

/** The first `weekday` (0 = Sunday) on or after `from`. */
function firstWeekdayFrom(from: LocalDate, weekday: number): LocalDate {
  return addDays(from, (weekday - weekdayOf(from) + 7) % 7);
}

const SATURDAY = 6;

/**
 * Finnish public holidays of `year`, plus the eves (juhannusaatto, jouluaatto) on which customer service is
 * closed in practice although they are not official holidays. Sorted by date.
 */
export function finnishPublicHolidays(year: number): Holiday[] {
  const easter = easterSunday(year);
  const fixed = (month: number, day: number): LocalDate => ({ year, month, day });
  // Juhannuspäivä is the Saturday in 20–26 June; pyhäinpäivä the Saturday in 31 Oct – 6 Nov.
  const midsummerDay = firstWeekdayFrom(fixed(6, 20), SATURDAY);
  const allSaintsDay = firstWeekdayFrom(fixed(10, 31), SATURDAY);
  const holidays: Array<[LocalDate, string]> = [
    [fixed(1, 1), 'uudenvuodenpäivä'],
    [fixed(1, 6), 'loppiainen'],
    [addDays(easter, -2), 'pitkäperjantai'],
    [easter, 'pääsiäispäivä'],
    [addDays(easter, 1), '2. pääsiäispäivä'],
    [fixed(5, 1), 'vappu'],
    [addDays(easter, 39), 'helatorstai'],
    [addDays(easter, 49), 'helluntaipäivä'],
    [addDays(midsummerDay, -1), 'juhannusaatto'],
    [midsummerDay, 'juhannuspäivä'],
    [allSaintsDay, 'pyhäinpäivä'],
    [fixed(12, 6), 'itsenäisyyspäivä'],
    [fixed(12, 24), 'jouluaatto'],
    [fixed(12, 25), 'joulupäivä'],
    [fixed(12, 26), 'tapaninpäivä'],
  ];
  return holidays
    .map(([date, name]) => ({ date: isoDate(date), name }))
    .sort((left, right) => left.date.localeCompare(right.date));
}
