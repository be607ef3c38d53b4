import { PRIORITIES, type HandoffReason, type Priority } from '../core/reply';
import { HandoffConfigError } from './handoff-config-error';

/**
 * Which agent queue gets a ticket and how soon it is due. Every field is optional; the defaults are below.
 */
export interface RoutingConfig {
  /**
   * Topic intent → queue. A key ending in `*` matches every intent starting with the rest (`billing*`).
   * Exact keys win over prefixes, longer prefixes over shorter. Merged over `DEFAULT_QUEUE_BY_INTENT`
   * unless `replaceDefaultQueues` is true.
   */
  queues?: Record<string, string>;
  replaceDefaultQueues?: boolean;
  /** Queue when nothing matches (default `general`). */
  defaultQueue?: string;
  /** Minutes until a ticket of that priority is due; merged over `DEFAULT_SLA_MINUTES`. */
  slaMinutes?: Partial<Record<Priority, number>>;
}

export const DEFAULT_QUEUE_BY_INTENT: Readonly<Record<string, string>> = Object.freeze({
  'billing*': 'billing',
  'invoice*': 'billing',
  'payment*': 'billing',
  'refund*': 'billing',
  'faq.invoice*': 'billing',
  'outage*': 'technical',
  'emergency*': 'technical',
  'technical*': 'technical',
  'fault*': 'technical',
  'connection*': 'technical',
});

/**
 * SLA in wall-clock minutes. The clock runs at night and on holidays too: an urgent ticket after hours is
 * still urgent for whoever is on call, and a callback ticket's due time is what the customer was told.
 */
export const DEFAULT_SLA_MINUTES: Readonly<Record<Priority, number>> = Object.freeze({
  urgent: 15, high: 120, normal: 480, low: 1440,
});

/** When the topic says nothing, the reason can: a billing dispute belongs to billing whatever the intent. */
const QUEUE_BY_REASON: Partial<Record<HandoffReason, string>> = { billing_dispute: 'billing', emergency: 'technical' };

const QUEUE_NAME = /^[a-z][a-z0-9_-]*$/;
const MINUTE_MS = 60_000;

export interface RouteRequest {
  intent?: string;
  reason?: HandoffReason;
  /** A flow's explicit queue; always wins. */
  queue?: string;
}

export interface Routing {
  queueFor(request: RouteRequest): string;
  /** When a ticket created at `createdAt` (ms) with `priority` must have been answered. */
  dueAt(priority: Priority, createdAt: number): number;
  /** Every queue this routing can give, for the console's filters. */
  queues(): string[];
}

/** Every problem in a routing config as readable sentences; empty when valid. */
export function validateRoutingConfig(config: unknown): string[] {
  if (config === undefined) return [];
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return ['routing must be an object'];
  const problems: string[] = [];
  const { queues, replaceDefaultQueues, defaultQueue, slaMinutes, ...unknownKeys } = config as Record<string, unknown>;
  for (const key of Object.keys(unknownKeys)) problems.push(`unknown setting "${key}" (known: queues, replaceDefaultQueues, defaultQueue, slaMinutes)`);
  if (queues !== undefined) {
    if (typeof queues !== 'object' || queues === null || Array.isArray(queues)) {
      problems.push('queues must map intents to queue names, e.g. { "billing*": "billing" }');
    } else {
      for (const [intent, queue] of Object.entries(queues)) {
        if (!/^[a-z0-9_.]+\*?$/.test(intent)) problems.push(`queues: "${intent}" is not an intent name (lower-case, digits, _ , optional * at the end)`);
        if (typeof queue !== 'string' || !QUEUE_NAME.test(queue)) problems.push(`queues.${intent}: ${JSON.stringify(queue)} is not a queue name such as "billing"`);
      }
    }
  }
  if (replaceDefaultQueues !== undefined && typeof replaceDefaultQueues !== 'boolean') problems.push('replaceDefaultQueues must be true or false');
  if (defaultQueue !== undefined && (typeof defaultQueue !== 'string' || !QUEUE_NAME.test(defaultQueue))) {
    problems.push(`defaultQueue ${JSON.stringify(defaultQueue)} is not a queue name such as "general"`);
  }
  if (slaMinutes !== undefined) {
    if (typeof slaMinutes !== 'object' || slaMinutes === null || Array.isArray(slaMinutes)) {
      problems.push('slaMinutes must map priorities (urgent, high, normal, low) to minutes');
    } else {
      for (const [priority, minutes] of Object.entries(slaMinutes)) {
        if (!(PRIORITIES as readonly string[]).includes(priority)) problems.push(`slaMinutes: "${priority}" is not a priority (${PRIORITIES.join(', ')})`);
        if (typeof minutes !== 'number' || !Number.isFinite(minutes) || minutes <= 0) problems.push(`slaMinutes.${priority}: ${JSON.stringify(minutes)} must be a positive number of minutes`);
      }
    }
  }
  return problems;
}

/** Builds the router. Throws `HandoffConfigError` listing every problem when the config is invalid. */
export function createRouting(config: RoutingConfig = {}): Routing {
  const problems = validateRoutingConfig(config);
  if (problems.length > 0) throw new HandoffConfigError('routing', problems);

  const table = { ...(config.replaceDefaultQueues ? {} : DEFAULT_QUEUE_BY_INTENT), ...(config.queues ?? {}) };
  const exact = new Map<string, string>();
  const prefixes: Array<[string, string]> = [];
  for (const [intent, queue] of Object.entries(table)) {
    if (intent.endsWith('*')) prefixes.push([intent.slice(0, -1), queue]);
    else exact.set(intent, queue);
  }
  prefixes.sort((left, right) => right[0].length - left[0].length);
  const defaultQueue = config.defaultQueue ?? 'general';
  const sla = { ...DEFAULT_SLA_MINUTES, ...(config.slaMinutes ?? {}) };

  function queueFor(request: RouteRequest): string {
    if (request.queue) return request.queue;
    const intent = request.intent;
    if (intent) {
      const direct = exact.get(intent);
      if (direct) return direct;
      const prefixed = prefixes.find(([prefix]) => intent.startsWith(prefix));
      if (prefixed) return prefixed[1];
    }
    return (request.reason && QUEUE_BY_REASON[request.reason]) || defaultQueue;
  }

  return {
    queueFor,
    dueAt: (priority, createdAt) => createdAt + (sla[priority] ?? sla.normal) * MINUTE_MS,
    queues: () => [...new Set([defaultQueue, ...Object.values(QUEUE_BY_REASON), ...Object.values(table)])].sort(),
  };
}
