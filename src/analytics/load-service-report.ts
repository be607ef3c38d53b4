import type { EventLog, TicketStore } from '../core/ports';
import { addDays, fromLocal, isoDate, toLocal, type LocalDate } from '../handoff/zoned-time';
import { computeServiceReport, REPEAT_WINDOW_MS, type ComputedReport, type ReportFilters, type ReportOptions, type ReportRange } from './service-report';

export interface ReportSources {
  events: EventLog;
  tickets: TicketStore;
}

/** Most events and tickets read for one report; a deployment past this needs a warehouse, not this page. */
const MAX_EVENTS = 500_000;
const MAX_TICKETS = 50_000;

/** Reads what the report needs (events up to the repeat window after the range, for repeat contacts) and computes it. */
export async function loadServiceReport(sources: ReportSources, range: ReportRange, filters: ReportFilters, options: ReportOptions): Promise<ComputedReport> {
  const [events, tickets] = await Promise.all([
    sources.events.query({ since: range.from, until: range.to + (options.repeatWindowMs ?? REPEAT_WINDOW_MS), limit: MAX_EVENTS }),
    sources.tickets.list({ limit: MAX_TICKETS }),
  ]);
  return computeServiceReport(events, tickets, range, filters, options);
}

/** The last `days` × 24 hours up to and including `now`: Prometheus' window, and the API's `?days=`. */
export function lastDays(now: number, days: number): ReportRange {
  return { from: now - days * 86_400_000, to: now + 1 };
}

export interface ReportQuery {
  range: ReportRange;
  filters: ReportFilters;
  /** The calendar days asked for, for the page's date inputs. */
  fromDay: string;
  toDay: string;
}

export type ParsedReportQuery = { ok: true; query: ReportQuery } | { ok: false; message: string };

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

function parseDay(text: string): LocalDate | undefined {
  const match = DAY.exec(text);
  if (!match) return undefined;
  const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  return isoDate(date) === text && date.month >= 1 && date.month <= 12 && date.day >= 1 && date.day <= 31 ? date : undefined;
}

/**
 * `from`/`to` (calendar days `YYYY-MM-DD` in the service's zone, both included), or `days` (the last N × 24 hours up to
 * now, as Prometheus' 24-hour window with `days=1`), and `channel`, `locale`, `queue`. Default: the last 7 days.
 */
export function parseReportQuery(params: Record<string, unknown>, now: number, timeZone: string): ParsedReportQuery {
  const text = (key: string): string | undefined => (typeof params[key] === 'string' && params[key] !== '' ? (params[key] as string) : undefined);
  const filters: ReportFilters = {};
  for (const key of ['channel', 'locale', 'queue'] as const) {
    const value = text(key);
    if (value === undefined) continue;
    if (!NAME.test(value)) return { ok: false, message: `${key}: letters, digits, _ . - only` };
    filters[key] = value;
  }
  const today = toLocal(now, timeZone);
  const fromText = text('from');
  const toText = text('to');
  if (fromText === undefined && toText === undefined) {
    const daysText = text('days');
    const days = daysText === undefined ? 7 : Number(daysText);
    if (!Number.isInteger(days) || days < 1 || days > 366) return { ok: false, message: 'days: a whole number from 1 to 366' };
    const range = lastDays(now, days);
    return { ok: true, query: { range, filters, fromDay: isoDate(toLocal(range.from, timeZone)), toDay: isoDate(today) } };
  }
  const fromDay = fromText === undefined ? addDays(today, -6) : parseDay(fromText);
  const toDay = toText === undefined ? today : parseDay(toText);
  if (!fromDay) return { ok: false, message: 'from: a date as YYYY-MM-DD' };
  if (!toDay) return { ok: false, message: 'to: a date as YYYY-MM-DD' };
  const range = { from: fromLocal(fromDay, 0, 0, timeZone), to: fromLocal(addDays(toDay, 1), 0, 0, timeZone) };
  if (range.to <= range.from) return { ok: false, message: 'to must not be before from' };
  if (range.to - range.from > 367 * 86_400_000) return { ok: false, message: 'at most a year at a time' };
  return { ok: true, query: { range, filters, fromDay: isoDate(fromDay), toDay: isoDate(toDay) } };
}
