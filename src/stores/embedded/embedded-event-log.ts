import type Database from 'better-sqlite3';
import type { AnalyticsEvent } from '../../core/events';
import type { EventLog } from '../../core/ports';
import { assertEvent, assertEventQuery, parseStored, toStored } from '../shared/store-validation';

/** Analytics events in an append-only table; queries are oldest first and use the time/type indexes. */
export function createEmbeddedEventLog(db: Database.Database): EventLog {
  const insert = db.prepare<[number, string, string]>('INSERT INTO events (at, type, data) VALUES (?, ?, ?)');
  const select = db.prepare<{ since: number | null; until: number | null; types: string | null; limit: number }, string>(
    `SELECT data FROM events
     WHERE (@since IS NULL OR at >= @since) AND (@until IS NULL OR at <= @until)
       AND (@types IS NULL OR type IN (SELECT value FROM json_each(@types)))
     ORDER BY at, seq LIMIT @limit`).pluck();

  const insertAll = db.transaction((batch: { at: number; type: string; data: string }[]) => {
    for (const row of batch) insert.run(row.at, row.type, row.data);
  });

  return {
    async append(event) {
      assertEvent(event);
      insert.run(event.at, event.type, toStored(event, `event ${event.type}`));
    },
    async appendMany(batch) {
      batch.forEach((event) => assertEvent(event));
      insertAll(batch.map((event) => ({ at: event.at, type: event.type, data: toStored(event, `event ${event.type}`) })));
    },
    async query(query) {
      assertEventQuery(query);
      const rows = select.all({
        since: query?.since ?? null,
        until: query?.until ?? null,
        types: query?.types && query.types.length > 0 ? JSON.stringify(query.types) : null,
        limit: query?.limit ?? -1,
      });
      return rows.map((data) => parseStored<AnalyticsEvent>(data, 'event'));
    },
  };
}
