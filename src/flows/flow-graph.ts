import type { Condition, FlowState } from './flow-schema';

/** Keys that decide what a state does; a state has at most one (plus the combinations in `COMPATIBLE_KINDS`). */
export const KIND_KEYS = ['ask', 'survey', 'branch', 'faq', 'call', 'handoff', 'flow', 'end', 'return'] as const;
export type KindKey = (typeof KIND_KEYS)[number];
export type StateKind = KindKey | 'say';

/** Pairs of kind keys that work together: a survey may have its own question, and a survey or subflow call may end the conversation. */
export const COMPATIBLE_KINDS: ReadonlyArray<readonly [KindKey, KindKey]> = [['survey', 'ask'], ['survey', 'end'], ['flow', 'end']];

/** The kind keys a state has, in the order of `KIND_KEYS`. */
export function kindKeysOf(state: FlowState): KindKey[] {
  return KIND_KEYS.filter((key) => state[key] !== undefined);
}

/** The first pair of kind keys that cannot go together, e.g. `['ask', 'branch']`. */
export function kindConflict(state: FlowState): [KindKey, KindKey] | undefined {
  const kinds = kindKeysOf(state);
  const compatible = (a: KindKey, b: KindKey): boolean => COMPATIBLE_KINDS.some(([x, y]) => (x === a && y === b) || (x === b && y === a));
  for (let later = 1; later < kinds.length; later++) {
    const clash = kinds.slice(0, later).find((earlier) => !compatible(earlier, kinds[later]));
    if (clash) return [clash, kinds[later]];
  }
  return undefined;
}

/** The state's main kind. A survey or subflow call with `end` is still a survey or call: `end` says what follows it. */
export function kindOf(state: FlowState): StateKind {
  if (state.survey !== undefined) return 'survey';
  if (state.flow !== undefined) return 'flow';
  if (state.end !== undefined) return 'end';
  if (state.return) return 'return';
  if (state.branch !== undefined) return 'branch';
  if (state.faq) return 'faq';
  if (state.call !== undefined) return 'call';
  if (state.handoff !== undefined) return 'handoff';
  if (state.ask !== undefined) return 'ask';
  return 'say';
}

/** Waiting states end the bot's turn: the next step needs the customer. */
export function isWaiting(state: FlowState): boolean {
  const kind = kindOf(state);
  return kind === 'ask' || kind === 'survey';
}

/** Terminal states need no way out. A handoff without `next` leaves the conversation with the humans. */
export function isTerminal(state: FlowState): boolean {
  const kind = kindOf(state);
  return kind === 'end' || kind === 'return' || (kind === 'handoff' && state.next === undefined) || (kind === 'survey' && state.end !== undefined)
    || (kind === 'flow' && state.end !== undefined && state.next === undefined);
}

export type EdgeVia = 'next' | 'on_intent' | 'on_reply' | 'otherwise' | 'on_failure' | 'branch' | 'on';

/** One written transition: where the state can go, and what the file says about when. */
export interface StateEdge {
  target: string;
  via: EdgeVia;
  /** Intent, outcome or shortened condition; empty for `next`. */
  label: string;
  /** Path of the target value inside the state, e.g. `['on_intent', 'order_status']`. */
  path: (string | number)[];
}

/** Every transition written in a state, in file order of the keys that hold them. */
export function edgesOf(state: FlowState): StateEdge[] {
  const edges: StateEdge[] = [];
  for (const [intent, target] of Object.entries(state.on_intent ?? {})) edges.push({ target, via: 'on_intent', label: intent, path: ['on_intent', intent] });
  for (const [reply, target] of Object.entries(state.on_reply ?? {})) if (target) edges.push({ target, via: 'on_reply', label: reply, path: ['on_reply', reply] });
  if (state.otherwise !== undefined) edges.push({ target: state.otherwise, via: 'otherwise', label: 'otherwise', path: ['otherwise'] });
  (state.branch ?? []).forEach((entry, index) => {
    if ('if' in entry) edges.push({ target: entry.goto, via: 'branch', label: describeCondition(entry.if), path: ['branch', index, 'goto'] });
    else edges.push({ target: entry.else, via: 'branch', label: 'else', path: ['branch', index, 'else'] });
  });
  for (const [outcome, target] of Object.entries(state.on ?? {})) edges.push({ target, via: 'on', label: outcome, path: ['on', outcome] });
  if (state.on_failure !== undefined) edges.push({ target: state.on_failure, via: 'on_failure', label: 'failure', path: ['on_failure'] });
  if (state.next !== undefined) edges.push({ target: state.next, via: 'next', label: '', path: ['next'] });
  return edges;
}

/** A condition as a short readable label for diagrams and messages. */
export function describeCondition(condition: Condition, maxLength = 40): string {
  const text = conditionText(condition);
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

function conditionText(condition: Condition): string {
  const list = (value: string | (string | number)[]): string => (Array.isArray(value) ? value.join('|') : value);
  if ('all' in condition) return condition.all.map(conditionText).join(' and ');
  if ('any' in condition) return condition.any.map(conditionText).join(' or ');
  if ('not' in condition) return `not ${conditionText(condition.not)}`;
  if ('open_now' in condition) return condition.open_now ? 'open' : 'closed';
  if ('channel' in condition) return `channel ${list(condition.channel)}`;
  if ('locale' in condition) return `locale ${list(condition.locale)}`;
  if ('intent' in condition) return `intent ${list(condition.intent)}`;
  if ('sentiment_below' in condition) return `sentiment < ${condition.sentiment_below}`;
  if ('sentiment_above' in condition) return `sentiment > ${condition.sentiment_above}`;
  if ('contact_known' in condition) return condition.contact_known ? 'contact known' : 'no contact';
  if ('given' in condition) return `${condition.given} given`;
  if ('confidence_below' in condition) return `confidence < ${condition.confidence_below}`;
  if ('queue_waiting_above' in condition) return `queue > ${condition.queue_waiting_above}`;
  if ('reply' in condition) return `reply ${list(condition.reply)}`;
  const parts: string[] = [];
  if (condition.present !== undefined) parts.push(condition.present ? 'is set' : 'is empty');
  if (condition.equals !== undefined) parts.push(`= ${String(condition.equals)}`);
  if (condition.not_equals !== undefined) parts.push(`≠ ${String(condition.not_equals)}`);
  if (condition.gt !== undefined) parts.push(`> ${condition.gt}`);
  if (condition.gte !== undefined) parts.push(`≥ ${condition.gte}`);
  if (condition.lt !== undefined) parts.push(`< ${condition.lt}`);
  if (condition.lte !== undefined) parts.push(`≤ ${condition.lte}`);
  if (condition.in !== undefined) parts.push(`in ${condition.in.join('|')}`);
  return `${condition.slot} ${parts.join(' ') || 'is set'}`.trim();
}

/** Intents a condition tests, with their path inside the condition, for the unknown-intent rule. */
export function conditionIntents(condition: Condition, path: (string | number)[] = []): { intent: string; path: (string | number)[] }[] {
  if ('all' in condition) return condition.all.flatMap((inner, index) => conditionIntents(inner, [...path, 'all', index]));
  if ('any' in condition) return condition.any.flatMap((inner, index) => conditionIntents(inner, [...path, 'any', index]));
  if ('not' in condition) return conditionIntents(condition.not, [...path, 'not']);
  if ('intent' in condition) {
    return Array.isArray(condition.intent)
      ? condition.intent.map((intent, index) => ({ intent, path: [...path, 'intent', index] }))
      : [{ intent: condition.intent, path: [...path, 'intent'] }];
  }
  return [];
}

/** The entity types `given` conditions name, with their paths inside the condition. */
export function conditionEntities(condition: Condition, path: (string | number)[] = []): { entity: string; path: (string | number)[] }[] {
  if ('all' in condition) return condition.all.flatMap((inner, index) => conditionEntities(inner, [...path, 'all', index]));
  if ('any' in condition) return condition.any.flatMap((inner, index) => conditionEntities(inner, [...path, 'any', index]));
  if ('not' in condition) return conditionEntities(condition.not, [...path, 'not']);
  return 'given' in condition ? [{ entity: condition.given, path: [...path, 'given'] }] : [];
}

/** Every condition in a state with its path, including those nested in `all`/`any`/`not`. */
export function conditionsOf(state: FlowState): { condition: Condition; path: (string | number)[] }[] {
  return (state.branch ?? []).flatMap((entry, index) => ('if' in entry ? [{ condition: entry.if, path: ['branch', index, 'if'] }] : []));
}
