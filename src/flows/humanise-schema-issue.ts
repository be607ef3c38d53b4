import type { z } from 'zod';
import { flowSchema } from './flow-schema';
import { didYouMean, listNames, suggestName } from './suggest-name';

type PathSegment = string | number;
type Schema = z.core.$ZodType;
type Issue = z.core.$ZodIssue;

/** A schema problem in the designer's words; `at` says whether to point at the key or its value. */
export interface HumanIssue {
  path: PathSegment[];
  at: 'key' | 'value';
  rule: 'unknown-key' | 'missing-key' | 'wrong-type' | 'invalid-value';
  message: string;
  hint: string;
}

/** Reads a def without depending on zod's internal class names, which change between minor versions. */
interface LooseDef {
  type: string;
  innerType?: Schema;
  getter?: () => Schema;
  options?: Schema[];
  in?: Schema;
  shape?: Record<string, Schema>;
  valueType?: Schema;
  element?: Schema;
}

function defOf(schema: Schema): LooseDef {
  return schema._zod.def as unknown as LooseDef;
}

/** Optional, default, lazy and union wrappers hide the schemas that say which keys are allowed. */
function unwrap(schema: Schema, depth = 0): Schema[] {
  if (depth > 20) return [];
  const def = defOf(schema);
  switch (def.type) {
    case 'optional': case 'default': case 'nullable': case 'readonly': case 'prefault': case 'nonoptional':
      return def.innerType ? unwrap(def.innerType, depth + 1) : [];
    case 'lazy':
      return def.getter ? unwrap(def.getter(), depth + 1) : [];
    case 'union':
      return (def.options ?? []).flatMap((option) => unwrap(option, depth + 1));
    case 'pipe':
      return def.in ? unwrap(def.in, depth + 1) : [];
    default:
      return [schema];
  }
}

/** Every schema that may apply at `path` (several when a union is on the way). */
export function schemasAt(path: readonly PathSegment[], root: Schema = flowSchema): Schema[] {
  let current = unwrap(root);
  for (const segment of path) {
    current = current.flatMap((schema) => {
      const def = defOf(schema);
      if (def.type === 'object' && def.shape && typeof segment === 'string') {
        const child = def.shape[segment];
        return child ? unwrap(child) : [];
      }
      if (def.type === 'record' && def.valueType) return unwrap(def.valueType);
      if (def.type === 'array' && def.element && typeof segment === 'number') return unwrap(def.element);
      return [];
    });
  }
  return current;
}

/** The keys a map at `path` may have, for "did you mean" and "allowed keys" hints. */
export function allowedKeysAt(path: readonly PathSegment[]): string[] {
  const keys = new Set<string>();
  for (const schema of schemasAt(path)) {
    const def = defOf(schema);
    if (def.type === 'object' && def.shape) for (const key of Object.keys(def.shape)) if (key !== '$schema') keys.add(key);
  }
  return [...keys];
}

/** `state "ask_number"`, `"slot.entity" in state "ask_number"`, `"global.intents"`, `the flow`. */
export function describePlace(path: readonly PathSegment[]): string {
  const dotted = (segments: readonly PathSegment[]): string =>
    segments.map((segment, index) => (typeof segment === 'number' ? `[${segment}]` : index === 0 ? segment : `.${segment}`)).join('');
  if (path.length === 0) return 'the flow';
  if (path[0] === 'states' && path.length >= 2) {
    const state = `state "${String(path[1])}"`;
    return path.length === 2 ? state : `"${dotted(path.slice(2))}" in ${state}`;
  }
  return `"${dotted(path)}"`;
}

function describeValue(input: unknown): string {
  if (input === undefined) return 'missing';
  if (input === null) return 'empty';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a map';
  if (typeof input === 'string') return `the text "${input.length > 40 ? `${input.slice(0, 40)}…` : input}"`;
  if (typeof input === 'boolean') return `${input}`;
  return `the number ${String(input)}`;
}

const EXPECTED: Record<string, string> = {
  string: 'a single text value',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list (lines starting with "- ")',
  object: 'a map (indented "key: value" lines)',
  record: 'a map (indented "key: value" lines)',
  literal: 'true',
};

/** Examples by key name, because "expected string" means little to a designer. */
const EXAMPLES: Record<string, string> = {
  next: 'next: ask_number', otherwise: 'otherwise: not_understood', on_failure: 'on_failure: to_human', goto: 'goto: ask_number',
  else: 'else: ask_number', start: 'start: greeting', id: 'id: order_status', ask: 'ask: order_status.ask_number',
  say: 'say: order_status.status  (or a list of keys)', call: 'call: orders.lookup', flow: 'flow: order_status',
  entity: 'entity: order_number', name: 'name: order_number', slot: 'slot: { name: order_number, entity: order_number }',
  on: 'on: { found: tell_status, not_found: not_found }', on_intent: 'on_intent: { order_status: ask_number }',
  quick_replies: 'quick_replies: [order_status, human_agent]', states: 'states:\n    greeting: ...',
  label: 'label: main.menu_orders', payload: 'payload: order_status', branch: 'branch:\n  - if: { open_now: true }\n    goto: to_human\n  - else: callback',
  faq: 'faq: true', return: 'return: true', survey: 'survey: csat', handoff: 'handoff: { reason: customer_request }',
  reason: 'reason: customer_request', requires: 'requires: [order_number]', intents: 'intents: { human_agent: main.to_human }',
};

function exampleFor(path: readonly PathSegment[]): string {
  const last = [...path].reverse().find((segment): segment is string => typeof segment === 'string');
  const example = last === undefined ? undefined : EXAMPLES[last];
  return example ? ` (for example \`${example}\`)` : '';
}

/** For a union, the branch that fits best: one that got past the type check, with the fewest problems. */
function bestUnionBranch(branches: Issue[][]): Issue[] | undefined {
  const typeMismatch = (issues: Issue[]): boolean => issues.length === 1 && isTypeMismatch(issues[0]);
  const candidates = branches.filter((issues) => !typeMismatch(issues));
  if (candidates.length === 0) return undefined;
  return [...candidates].sort((a, b) => a.length - b.length)[0];
}

/** The value has the wrong type for this schema (also when every branch of a nested union says so). */
function isTypeMismatch(issue: Issue): boolean {
  if (issue.path.length > 0) return false;
  if (issue.code === 'invalid_type') return true;
  if (issue.code === 'invalid_union') return (issue.errors as Issue[][]).every((issues) => issues.length === 1 && isTypeMismatch(issues[0]));
  return false;
}

function expectedOfBranches(branches: Issue[][], expected = new Set<string>()): string[] {
  for (const issues of branches) {
    const first = issues[0];
    if (first?.code === 'invalid_type') expected.add(EXPECTED[first.expected] ?? first.expected);
    if (first?.code === 'invalid_union') expectedOfBranches(first.errors as Issue[][], expected);
  }
  return [...expected];
}

function humaniseOne(issue: Issue, prefix: PathSegment[], root: unknown): HumanIssue[] {
  const path = [...prefix, ...(issue.path as PathSegment[])];
  const place = describePlace(path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeysAt(path);
      return issue.keys.map((key) => {
        const suggestion = suggestName(key, allowed);
        const where = path.length === 0 ? 'at the top of the flow' : `in ${place}`;
        return {
          path: [...path, key], at: 'key' as const, rule: 'unknown-key' as const,
          message: `Unknown key "${key}" ${where}.${didYouMean(key, allowed)}`,
          hint: suggestion ? `rename "${key}" to "${suggestion}".` : `remove "${key}"; the keys allowed here are: ${listNames(allowed, 30)}.`,
        };
      });
    }
    case 'invalid_type': {
      const input = 'input' in issue ? issue.input : valueAt(root, path);
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      if (input === undefined) {
        const key = String(path[path.length - 1]);
        return [{
          path: path.slice(0, -1), at: 'key', rule: 'missing-key',
          message: `${describePlace(path.slice(0, -1)) === 'the flow' ? 'The flow' : describePlace(path.slice(0, -1))} is missing "${key}" (${expected}).`,
          hint: `add "${key}"${exampleFor(path)}.`,
        }];
      }
      return [{
        path, at: 'value', rule: 'wrong-type',
        message: `${capitalise(place)} must be ${expected}, but it is ${describeValue(input)}.`,
        hint: `write ${expected}${exampleFor(path)}.`,
      }];
    }
    case 'invalid_union': {
      const best = bestUnionBranch(issue.errors as Issue[][]);
      if (best) return mergeTypos(best.flatMap((inner) => humaniseOne(inner, path, root)));
      const input = 'input' in issue ? issue.input : valueAt(root, path);
      const expected = expectedOfBranches(issue.errors as Issue[][]);
      return [{
        path, at: 'value', rule: 'wrong-type',
        message: `${capitalise(place)} must be ${expected.join(' or ')}, but it is ${describeValue(input)}.`,
        hint: `write ${expected.join(' or ')}${exampleFor(path)}.`,
      }];
    }
    case 'invalid_value': {
      const values = issue.values.map((value) => String(value));
      const input = 'input' in issue ? issue.input : valueAt(root, path);
      if (values.length === 1) {
        return [{ path, at: 'value', rule: 'invalid-value', message: `${capitalise(place)} can only be ${values[0]}, but it is ${describeValue(input)}.`, hint: `write ${values[0]}${exampleFor(path)} or remove the key.` }];
      }
      return [{
        path, at: 'value', rule: 'invalid-value',
        message: `${capitalise(place)} is ${describeValue(input)}, which is not one of the allowed values.${didYouMean(String(input), values)}`,
        hint: `use one of: ${values.join(', ')}.`,
      }];
    }
    case 'invalid_format': {
      const input = 'input' in issue ? issue.input : valueAt(root, path);
      const custom = issue.message && !issue.message.startsWith('Invalid') ? issue.message : `it must match ${'pattern' in issue ? String(issue.pattern) : issue.format}`;
      // The schema's own wording ("a message key such as ...") names what belongs here.
      const what = /^an? [a-z ]+?(?= such as|$)/.exec(custom)?.[0] ?? 'a valid name';
      const hint = what === 'a message key' && typeof input === 'string' && /\s/.test(input)
        ? 'the text itself goes in locales/<lang>/messages.yaml; write its key here (e.g. order_status.ask_number).'
        : `${custom}.`;
      return [{ path, at: 'value', rule: 'invalid-value', message: `${capitalise(place)} is ${describeValue(input)}, which is not ${what}.`, hint }];
    }
    case 'invalid_key': {
      const key = String(path[path.length - 1]);
      const parent = path.slice(0, -1);
      const reasons = issue.issues.map((inner) => (inner.message && !inner.message.startsWith('Invalid') ? inner.message : 'use lower-case letters, digits and _')).join('; ');
      const container = parent[parent.length - 1];
      const what = parent.length === 1 && container === 'states' ? 'State id'
        : container === 'on_intent' || container === 'intents' ? 'Intent' : container === 'on' ? 'Outcome' : 'Key';
      const where = parent.length === 1 && container === 'states' ? '' : ` in ${describePlace(parent)}`;
      return [{ path, at: 'key', rule: 'invalid-value', message: `${what} "${key}"${where} is not a valid name.`, hint: `${reasons}.` }];
    }
    case 'too_small': case 'too_big': {
      const input = 'input' in issue ? issue.input : valueAt(root, path);
      const limit = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const isList = issue.origin === 'array';
      const rangeWord = issue.code === 'too_small' ? 'at least' : 'at most';
      const message = isList
        ? (issue.code === 'too_small' && Number(limit) === 1 ? `${capitalise(place)} must not be an empty list.` : `${capitalise(place)} must have ${rangeWord} ${String(limit)} entries.`)
        : `${capitalise(place)} must be ${rangeWord} ${String(limit)}, but it is ${describeValue(input)}.`;
      return [{ path, at: 'value', rule: 'invalid-value', message, hint: isList ? 'add an entry or remove the key.' : `use a value ${rangeWord} ${String(limit)}.` }];
    }
    default:
      return [{ path, at: 'value', rule: 'invalid-value', message: `${capitalise(place)}: ${issue.message}.`, hint: 'see docs/flows.md for the allowed values.' }];
  }
}

/** "aks" unknown and "ask" missing in the same map is one typo: report it once. */
function mergeTypos(issues: HumanIssue[]): HumanIssue[] {
  const renamed = new Set(issues
    .filter((issue) => issue.rule === 'unknown-key' && issue.hint.startsWith('rename'))
    .map((issue) => `${issue.path.slice(0, -1).join('\u0000')}\u0000${/to "([^"]+)"/.exec(issue.hint)?.[1] ?? ''}`));
  return issues.filter((issue) => {
    if (issue.rule !== 'missing-key') return true;
    const key = /is missing "([^"]+)"/.exec(issue.message)?.[1] ?? '';
    return !renamed.has(`${issue.path.join('\u0000')}\u0000${key}`);
  });
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let current: unknown = root;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/** Turns zod's issues for a flow file into messages a flow designer can act on. */
export function humaniseSchemaIssues(issues: readonly Issue[], root: unknown): HumanIssue[] {
  return mergeTypos(issues.flatMap((issue) => humaniseOne(issue, [], root)));
}
