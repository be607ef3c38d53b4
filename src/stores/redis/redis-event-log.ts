import type { AnalyticsEvent } from '../../core/events';
import type { EventLog } from '../../core/ports';
import { assertEvent, assertEventQuery, parseStored, toStored } from '../shared/store-validation';
import type { RedisClient } from './redis-script';

/** Events whose time was older than the stream's last entry got a later id; queries look this far past `until`. */
const LATE_ID_SLACK_MS = 5 * 60_000;
const PAGE = 500;

/**
 * Analytics events in a Redis Stream, trimmed approximately to `maxLength` entries. The entry id is the
 * event time (`<at>-*`) when that keeps the stream ordered, else the server time; either way the id is
 * never earlier than the event, so `since` maps straight onto XRANGE.
 */
export function createRedisEventLog(client: RedisClient, prefix: string, maxLength: number): EventLog {
  const key = `${prefix}events`;
  const trim = { TRIM: { strategy: 'MAXLEN' as const, strategyModifier: '~' as const, threshold: maxLength } };

  const log: EventLog = {
    async appendMany(batch) {
      batch.forEach((event) => assertEvent(event));
      // Stream ids must grow, so the events of one turn go in order.
      for (const event of batch) await log.append(event);
    },
    async append(event) {
      assertEvent(event);
      const fields = { e: toStored(event, `event ${event.type}`) };
      const at = Math.floor(event.at);
      if (at > 0) {
        try {
          await client.xAdd(key, `${at}-*`, fields, trim);
          return;
        } catch (error) {
          if (!/equal or smaller/.test(String((error as Error).message))) throw error;
        }
      }
      await client.xAdd(key, '*', fields, trim);
    },
    async query(query) {
      assertEventQuery(query);
      const types = query?.types && query.types.length > 0 ? new Set<string>(query.types) : undefined;
      const limit = query?.limit ?? Infinity;
      const stopAfter = query?.until === undefined ? Infinity : query.until + LATE_ID_SLACK_MS;
      const found: AnalyticsEvent[] = [];
      let start = query?.since === undefined ? '-' : String(Math.max(0, Math.floor(query.since)));
      while (found.length < limit) {
        const entries = await client.xRange(key, start, '+', { COUNT: PAGE });
        for (const entry of entries) {
          const event = parseStored<AnalyticsEvent>(String(entry.message.e), 'event');
          if ((query?.since === undefined || event.at >= query.since) &&
              (query?.until === undefined || event.at <= query.until) &&
              (!types || types.has(event.type))) {
            found.push(event);
          }
        }
        const last = entries[entries.length - 1];
        if (entries.length < PAGE || Number(last.id.split('-')[0]) > stopAfter) break;
        start = `(${last.id}`;
      }
      // Late-id entries can be out of time order; the port promises oldest first.
      found.sort((a, b) => a.at - b.at);
      return found.slice(0, limit);
    },
  };
  return log;
}
