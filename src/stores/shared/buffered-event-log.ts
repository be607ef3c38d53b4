import type { AnalyticsEvent } from '../../core/events';
import type { EventLog } from '../../core/ports';

export interface BufferedEventLog extends EventLog {
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Batches analytics writes: one write per `flushMs` (or per `maxBatch` events) instead of one per turn, which
 * takes a commit off every turn. Analytics may lose the last `flushMs` on kill -9; conversations and tickets do
 * not go through here. Queries flush first, so readers always see what was appended.
 */
export function createBufferedEventLog(inner: EventLog, options: { flushMs?: number; maxBatch?: number; onError?: (error: unknown) => void } = {}): BufferedEventLog {
  const flushMs = options.flushMs ?? 200;
  const maxBatch = options.maxBatch ?? 500;
  let pending: AnalyticsEvent[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (pending.length > 0) {
      const batch = pending;
      pending = [];
      writing = writing.then(() => inner.appendMany(batch)).catch((error: unknown) => options.onError?.(error));
    }
    return writing;
  };
  const schedule = () => {
    if (pending.length >= maxBatch) void flush();
    else if (!timer) {
      timer = setTimeout(() => void flush(), flushMs);
      timer.unref();
    }
  };

  return {
    async append(event) {
      pending.push(event);
      schedule();
    },
    async appendMany(events) {
      if (events.length === 0) return;
      pending.push(...events);
      schedule();
    },
    async query(query) {
      await flush();
      return inner.query(query);
    },
    flush,
    close: flush,
  };
}
