import {
  createBusinessHours, formatOpening, validateBusinessHoursConfig,
} from '../../src/handoff/business-hours';
import { easterSunday, finnishPublicHolidays } from '../../src/handoff/finnish-holidays';
import { HandoffConfigError } from '../../src/handoff/handoff-config-error';
import { fromLocal, toLocal } from '../../src/handoff/zoned-time';

const at = (iso: string): number => Date.parse(iso);
const HELSINKI = 'Europe/Helsinki';

describe('easterSunday (computus)', () => {
  test.each([
    [2024, 3, 31], [2025, 4, 20], [2026, 4, 5], [2027, 3, 28], [2028, 4, 16], [2038, 4, 25], [2285, 3, 22], [1818, 3, 22],
  ])('%i → %i/%i', (year, month, day) => {
    expect(easterSunday(year)).toEqual({ year, month, day });
  });
});

describe('finnishPublicHolidays', () => {
  test('2026', () => {
    expect(finnishPublicHolidays(2026)).toEqual([
      { date: '2026-01-01', name: 'uudenvuodenpäivä' },
      { date: '2026-01-06', name: 'loppiainen' },
      { date: '2026-04-03', name: 'pitkäperjantai' },
      { date: '2026-04-05', name: 'pääsiäispäivä' },
      { date: '2026-04-06', name: '2. pääsiäispäivä' },
      { date: '2026-05-01', name: 'vappu' },
      { date: '2026-05-14', name: 'helatorstai' },
      { date: '2026-05-24', name: 'helluntaipäivä' },
      { date: '2026-06-19', name: 'juhannusaatto' },
      { date: '2026-06-20', name: 'juhannuspäivä' },
      { date: '2026-10-31', name: 'pyhäinpäivä' },
      { date: '2026-12-06', name: 'itsenäisyyspäivä' },
      { date: '2026-12-24', name: 'jouluaatto' },
      { date: '2026-12-25', name: 'joulupäivä' },
      { date: '2026-12-26', name: 'tapaninpäivä' },
    ]);
  });

  test('2027', () => {
    expect(finnishPublicHolidays(2027).map((holiday) => holiday.date)).toEqual([
      '2027-01-01', '2027-01-06', '2027-03-26', '2027-03-28', '2027-03-29', '2027-05-01', '2027-05-06',
      '2027-05-16', '2027-06-25', '2027-06-26', '2027-11-06', '2027-12-06', '2027-12-24', '2027-12-25', '2027-12-26',
    ]);
  });
});

describe('zoned time', () => {
  test.each([
    // [local wall time in Helsinki, UTC instant]
    ['2026-03-02 08:00 (winter, +2)', { year: 2026, month: 3, day: 2 }, 8, 0, '2026-03-02T06:00:00Z'],
    ['2026-03-30 08:00 (summer, +3)', { year: 2026, month: 3, day: 30 }, 8, 0, '2026-03-30T05:00:00Z'],
    ['2026-03-29 03:30 does not exist: the gap ends at 04:00', { year: 2026, month: 3, day: 29 }, 3, 30, '2026-03-29T01:00:00Z'],
    ['2026-10-25 03:30 happens twice: the earlier', { year: 2026, month: 10, day: 25 }, 3, 30, '2026-10-25T00:30:00Z'],
    ['2026-10-25 04:30 (after the change, +2)', { year: 2026, month: 10, day: 25 }, 4, 30, '2026-10-25T02:30:00Z'],
    ['24:00 is midnight of the next day', { year: 2026, month: 12, day: 31 }, 24, 0, '2026-12-31T22:00:00Z'],
  ])('%s', (_name, date, hour, minute, iso) => {
    expect(new Date(fromLocal(date, hour, minute, HELSINKI)).toISOString()).toBe(new Date(iso).toISOString());
  });

  test('toLocal reads the wall clock and weekday', () => {
    expect(toLocal(at('2026-10-25T00:59:59Z'), HELSINKI)).toMatchObject({ hour: 3, minute: 59, weekday: 0 });
    expect(toLocal(at('2026-10-25T01:00:00Z'), HELSINKI)).toMatchObject({ hour: 3, minute: 0, weekday: 0 });
  });
});

describe('isOpen with the default schedule (Mon–Fri 8–18, Sat 10–15, Helsinki, Finnish holidays)', () => {
  const hours = createBusinessHours();
  test.each([
    ['Mon 08:00 winter', '2026-03-02T06:00:00Z', true],
    ['Mon 07:59 winter', '2026-03-02T05:59:00Z', false],
    ['Mon 17:59 winter', '2026-03-02T15:59:00Z', true],
    ['Mon 18:00 winter', '2026-03-02T16:00:00Z', false],
    ['Sat 10:00', '2026-03-07T08:00:00Z', true],
    ['Sat 15:00', '2026-03-07T13:00:00Z', false],
    ['Sun noon', '2026-03-08T10:00:00Z', false],
    ['Mon 08:00 after the spring DST change', '2026-03-30T05:00:00Z', true],
    ['Mon 07:59 after the spring DST change', '2026-03-30T04:59:00Z', false],
    ['Fri 17:59 before the autumn DST change', '2026-10-23T14:59:00Z', true],
    ['Fri 18:00 before the autumn DST change', '2026-10-23T15:00:00Z', false],
    ['Mon 08:00 after the autumn DST change', '2026-10-26T06:00:00Z', true],
    ['Mon 07:30 after the autumn DST change', '2026-10-26T05:30:00Z', false],
    ['loppiainen 2026 (Tue)', '2026-01-06T09:00:00Z', false],
    ['pitkäperjantai 2026', '2026-04-03T09:00:00Z', false],
    ['2. pääsiäispäivä 2026', '2026-04-06T09:00:00Z', false],
    ['Tue after Easter 2026', '2026-04-07T09:00:00Z', true],
    ['vappu 2026 (Fri)', '2026-05-01T09:00:00Z', false],
    ['helatorstai 2026', '2026-05-14T09:00:00Z', false],
    ['juhannusaatto 2026', '2026-06-19T09:00:00Z', false],
    ['juhannuspäivä 2026 (Sat)', '2026-06-20T09:00:00Z', false],
    ['pyhäinpäivä 2026 (Sat)', '2026-10-31T09:00:00Z', false],
    ['the Saturday after pyhäinpäivä 2026', '2026-11-07T09:00:00Z', true],
    ['jouluaatto 2026 (Thu)', '2026-12-24T09:00:00Z', false],
    ['pitkäperjantai 2027', '2027-03-26T09:00:00Z', false],
    ['2. pääsiäispäivä 2027', '2027-03-29T09:00:00Z', false],
    ['helatorstai 2027', '2027-05-06T09:00:00Z', false],
    ['juhannusaatto 2027', '2027-06-25T09:00:00Z', false],
    ['pyhäinpäivä 2027 (Sat)', '2027-11-06T09:00:00Z', false],
    ['itsenäisyyspäivä 2027 (Mon)', '2027-12-06T09:00:00Z', false],
    ['Tue after itsenäisyyspäivä 2027', '2027-12-07T09:00:00Z', true],
  ])('%s → %s', (_name, iso, open) => {
    expect(hours.isOpen(at(iso))).toBe(open);
  });

  test('holidayAt names the holiday', () => {
    expect(hours.holidayAt(at('2026-12-24T09:00:00Z'))).toBe('jouluaatto');
    expect(hours.holidayAt(at('2026-12-23T09:00:00Z'))).toBeUndefined();
  });
});

describe('nextOpening and the phrase for it', () => {
  const hours = createBusinessHours();
  test.each([
    ['open now: now', '2026-03-02T09:00:00Z', '2026-03-02T09:00:00Z', 'tänään klo 11', 'today at 11:00', 'i dag kl. 11'],
    ['Mon 06:00: today', '2026-03-02T04:00:00Z', '2026-03-02T06:00:00Z', 'tänään klo 8', 'today at 8:00', 'i dag kl. 8'],
    ['Mon 19:00: tomorrow', '2026-03-02T17:00:00Z', '2026-03-03T06:00:00Z', 'huomenna klo 8', 'tomorrow at 8:00', 'i morgon kl. 8'],
    ['Fri 19:00: Saturday', '2026-03-06T17:00:00Z', '2026-03-07T08:00:00Z', 'huomenna klo 10', 'tomorrow at 10:00', 'i morgon kl. 10'],
    ['Sat 18:00: Monday', '2026-03-07T16:00:00Z', '2026-03-09T06:00:00Z', 'maanantaina klo 8', 'on Monday at 8:00', 'på måndag kl. 8'],
    ['Sat before the spring DST change: Monday 08:00 summer time', '2026-03-28T14:00:00Z', '2026-03-30T05:00:00Z', 'maanantaina klo 8', 'on Monday at 8:00', 'på måndag kl. 8'],
    ['Sat before the autumn DST change: Monday 08:00 winter time', '2026-10-24T14:00:00Z', '2026-10-26T06:00:00Z', 'maanantaina klo 8', 'on Monday at 8:00', 'på måndag kl. 8'],
    ['Thu before pitkäperjantai 2026: Saturday', '2026-04-02T16:30:00Z', '2026-04-04T07:00:00Z', 'lauantaina klo 10', 'on Saturday at 10:00', 'på lördag kl. 10'],
    ['Easter Saturday 2026 evening: Tuesday', '2026-04-04T13:00:00Z', '2026-04-07T05:00:00Z', 'tiistaina klo 8', 'on Tuesday at 8:00', 'på tisdag kl. 8'],
    ['Christmas 2026: Monday 28th', '2026-12-23T17:00:00Z', '2026-12-28T06:00:00Z', 'maanantaina klo 8', 'on Monday at 8:00', 'på måndag kl. 8'],
    ['juhannus 2027: Monday', '2027-06-24T16:00:00Z', '2027-06-28T05:00:00Z', 'maanantaina klo 8', 'on Monday at 8:00', 'på måndag kl. 8'],
    ['New Year 2027: Saturday 2nd', '2026-12-31T17:00:00Z', '2027-01-02T08:00:00Z', 'lauantaina klo 10', 'on Saturday at 10:00', 'på lördag kl. 10'],
  ])('%s', (_name, nowIso, openingIso, fi, en, sv) => {
    const now = at(nowIso);
    const opening = hours.nextOpening(now);
    expect(opening).toBe(at(openingIso));
    expect(formatOpening(opening as number, now, 'fi', HELSINKI)).toBe(fi);
    expect(formatOpening(opening as number, now, 'en', HELSINKI)).toBe(en);
    expect(formatOpening(opening as number, now, 'sv', HELSINKI)).toBe(sv);
  });

  test('minutes are shown when the opening is not on the hour; lunch breaks are closed', () => {
    const split = createBusinessHours({ weekly: { mon: ['08:30-12:00', '13:00-16:00'] } });
    const early = at('2026-03-02T05:00:00Z');
    expect(split.nextOpening(early)).toBe(at('2026-03-02T06:30:00Z'));
    expect(formatOpening(at('2026-03-02T06:30:00Z'), early, 'fi', HELSINKI)).toBe('tänään klo 8.30');
    expect(formatOpening(at('2026-03-02T06:30:00Z'), early, 'en', HELSINKI)).toBe('today at 8:30');
    expect(formatOpening(at('2026-03-02T06:30:00Z'), early, 'sv', HELSINKI)).toBe('i dag kl. 8.30');
    expect(split.isOpen(at('2026-03-02T10:30:00Z'))).toBe(false);
    expect(split.nextOpening(at('2026-03-02T10:30:00Z'))).toBe(at('2026-03-02T11:00:00Z'));
  });

  test('more than six days ahead the date is named', () => {
    const mondays = createBusinessHours({ weekly: { mon: ['08:00-16:00'] }, holidays: ['2026-03-09'] });
    const now = at('2026-03-02T17:00:00Z');
    const opening = mondays.nextOpening(now) as number;
    expect(opening).toBe(at('2026-03-16T06:00:00Z'));
    expect(formatOpening(opening, now, 'fi', HELSINKI)).toBe('maanantaina 16.3. klo 8');
    expect(formatOpening(opening, now, 'en', HELSINKI)).toBe('on Monday 16 March at 8:00');
    expect(formatOpening(opening, now, 'sv', HELSINKI)).toBe('på måndag 16/3 kl. 8');
  });

  test('an opening inside the spring DST gap opens when the clocks jump', () => {
    const night = createBusinessHours({ weekly: { sun: ['03:30-05:00'] }, finnishHolidays: false });
    expect(night.nextOpening(at('2026-03-28T22:00:00Z'))).toBe(at('2026-03-29T01:00:00Z'));
    expect(night.isOpen(at('2026-03-29T01:00:00Z'))).toBe(true);
    expect(night.isOpen(at('2026-03-29T00:59:00Z'))).toBe(false);
  });

  test('an opening in the repeated autumn hour opens the first time it comes', () => {
    const night = createBusinessHours({ weekly: { sun: ['03:30-05:00'] }, finnishHolidays: false });
    expect(night.nextOpening(at('2026-10-24T22:00:00Z'))).toBe(at('2026-10-25T00:30:00Z'));
  });

  test('extra holidays: once and every year; Finnish holidays can be switched off', () => {
    const custom = createBusinessHours({ holidays: ['2026-03-02', '03-03'], finnishHolidays: false });
    expect(custom.isOpen(at('2026-03-02T09:00:00Z'))).toBe(false);
    expect(custom.isOpen(at('2026-03-03T09:00:00Z'))).toBe(false);
    expect(custom.isOpen(at('2027-03-03T09:00:00Z'))).toBe(false);
    expect(custom.isOpen(at('2027-03-02T09:00:00Z'))).toBe(true);
    expect(custom.isOpen(at('2026-12-24T09:00:00Z'))).toBe(true);
  });

  test('another time zone', () => {
    const newYork = createBusinessHours({ timeZone: 'America/New_York', weekly: { mon: ['09:00-17:00'] }, finnishHolidays: false });
    expect(newYork.isOpen(at('2026-03-02T14:00:00Z'))).toBe(true); // 09:00 EST
    expect(newYork.isOpen(at('2026-03-02T13:59:00Z'))).toBe(false);
    expect(newYork.nextOpening(at('2026-03-02T22:00:00Z'))).toBe(at('2026-03-09T13:00:00Z')); // 09:00 EDT
  });
});

describe('config validation', () => {
  test('a valid config has no problems', () => {
    expect(validateBusinessHoursConfig({ timeZone: 'Europe/Stockholm', weekly: { mon: ['00:00-24:00'] }, holidays: ['12-31'] })).toEqual([]);
    expect(validateBusinessHoursConfig(undefined)).toEqual([]);
  });

  test.each([
    [{ timeZone: 'Mars/Olympus' }, /IANA time zone/],
    [{ weekly: { monday: ['08:00-18:00'] } }, /"monday" is not a weekday/],
    [{ weekly: { mon: ['8-18'] } }, /not a range like/],
    [{ weekly: { mon: ['18:00-08:00'] } }, /crosses midnight/],
    [{ weekly: { mon: ['08:00-24:30'] } }, /impossible time/],
    [{ weekly: { mon: '08:00-18:00' } }, /must be a list/],
    [{ weekly: {} }, /no opening range/],
    [{ holidays: ['2026-02-30'] }, /not a date/],
    [{ holidays: 'xmas' }, /must be a list/],
    [{ finnishHolidays: 'yes' }, /true or false/],
    [{ timezone: 'Europe/Helsinki' }, /unknown setting "timezone"/],
    ['08:00-18:00', /must be an object/],
  ])('%j', (config, message) => {
    const problems = validateBusinessHoursConfig(config);
    expect(problems.join('\n')).toMatch(message);
  });

  test('createBusinessHours throws every problem at once', () => {
    const build = (): unknown => createBusinessHours({ timeZone: 'Nowhere', weekly: { mon: ['x'] } });
    expect(build).toThrow(HandoffConfigError);
    expect(build).toThrow(/IANA[\s\S]*not a range/);
  });
});
