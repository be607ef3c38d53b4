import pino from 'pino';
import type { Logger } from '../core/logger';
import { maskPersonalData } from '../core/personal-data';

/** Field names that may hold secrets: never logged. */
const SECRET_FIELDS = /token|secret|password|authorization|cookie|signature/i;

function clean(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskPersonalData(value);
  if (depth > 3 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => clean(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) out[key] = SECRET_FIELDS.test(key) ? '[secret]' : clean(inner, depth + 1);
  return out;
}

/** The structured logger: pino JSON lines, personal data and secrets removed from every field. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const base = pino({ level, base: { service: 'aspa' }, messageKey: 'event' }, destination);
  const log = (method: 'debug' | 'info' | 'warn' | 'error') => (event: string, fields?: Record<string, unknown>) => {
    if (!base.isLevelEnabled(method)) return;
    base[method](fields ? (clean(fields) as Record<string, unknown>) : {}, event);
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
