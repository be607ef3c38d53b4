import path from 'node:path';
import type { Locale } from '../core/turn';
import type { Diagnostic } from './diagnostic';
import type { FlowState } from './flow-schema';
import type { FlowPath, LoadedFlow, UnparsedFlow } from './load-flows';

/** What the rest of the bot defines, so the validator can check the names a flow uses. */
export interface FlowKnowledge {
  /** The locales this deployment serves; names must exist in every one of them. */
  locales: Locale[];
  intents: Record<Locale, string[]>;
  /** Built-in and custom (nlu.yaml) entity types. */
  entityTypes: string[];
  messageKeys: Record<Locale, Set<string>>;
  /** Integration names, e.g. `orders.lookup`. */
  integrations: string[];
  /** FAQ entry ids per locale (each is also the intent `faq.<id>`). */
  faqIds: Record<Locale, string[]>;
}

export interface ValidateFlowsOptions {
  /** Files the loader could not read as flows: their ids still count as existing, so references do not cascade. */
  unparsed?: UnparsedFlow[];
}

export const MAIN_FLOW_ID = 'main';

/** Shared read-only view for the rules. */
export interface RuleContext {
  flows: LoadedFlow[];
  /** The first flow with each id. */
  byId: Map<string, LoadedFlow>;
  /** Ids of every flow file, including ones that failed to load. */
  knownFlowIds: Set<string>;
  knowledge: FlowKnowledge;
  unparsed: UnparsedFlow[];
}

export type Rule = (context: RuleContext) => Diagnostic[];

export function createRuleContext(flows: LoadedFlow[], knowledge: FlowKnowledge, options: ValidateFlowsOptions = {}): RuleContext {
  const byId = new Map<string, LoadedFlow>();
  for (const loaded of flows) if (!byId.has(loaded.flow.id)) byId.set(loaded.flow.id, loaded);
  const unparsed = options.unparsed ?? [];
  const knownFlowIds = new Set<string>([...byId.keys(), ...unparsed.flatMap((file) => (file.id ? [file.id] : []))]);
  return { flows, byId, knownFlowIds, knowledge, unparsed };
}

/** A diagnostic at the key (`at: 'key'`) or the value of `flowPath` in `loaded`. */
export function diagnosticAt(
  loaded: LoadedFlow, flowPath: FlowPath, at: 'key' | 'value', rule: string, message: string, hint: string,
  severity: Diagnostic['severity'] = 'error',
): Diagnostic {
  const position = at === 'key' ? loaded.keyPosition(flowPath) : loaded.position(flowPath);
  return { file: loaded.file, line: position.line, column: position.column, rule, severity, message, hint };
}

/** The states of a flow in file order. */
export function statesOf(loaded: LoadedFlow): [string, FlowState][] {
  return Object.entries(loaded.flow.states);
}

/** State ids that exist in the file, including states left out because they broke the schema. */
export function stateIdsOf(loaded: LoadedFlow): Set<string> {
  return new Set([...Object.keys(loaded.flow.states), ...(loaded.skipped?.states ?? [])]);
}

/** Rules that reason about the whole graph cannot trust a flow with states left out. */
export function isComplete(loaded: LoadedFlow): boolean {
  return !loaded.skipped || (loaded.skipped.states.length === 0 && !loaded.skipped.global);
}

/** Where a global target (`flow.state`, or a plain state of the main flow) leads. */
export function resolveGlobalTarget(target: string): { flowId: string; stateId: string } {
  const dot = target.indexOf('.');
  return dot < 0 ? { flowId: MAIN_FLOW_ID, stateId: target } : { flowId: target.slice(0, dot), stateId: target.slice(dot + 1) };
}

/** Every target of the main flow's global section, with its path, for rules that treat them as entry points. */
export function globalTargets(context: RuleContext): { target: string; path: FlowPath; label: string }[] {
  const main = context.byId.get(MAIN_FLOW_ID);
  const global = main?.flow.global;
  if (!global) return [];
  const targets: { target: string; path: FlowPath; label: string }[] = [];
  for (const [intent, target] of Object.entries(global.intents)) {
    if (target !== 'repeat') targets.push({ target, path: ['global', 'intents', intent], label: `global intent ${intent}` });
  }
  if (global.fallback) targets.push({ target: global.fallback.goto, path: ['global', 'fallback', 'goto'], label: 'global fallback' });
  if (global.sentiment) targets.push({ target: global.sentiment.goto, path: ['global', 'sentiment', 'goto'], label: 'global sentiment' });
  if (global.after_agent) targets.push({ target: global.after_agent, path: ['global', 'after_agent'], label: 'back from an agent' });
  for (const [reply, target] of Object.entries(global.on_reply ?? {})) if (target) targets.push({ target, path: ['global', 'on_reply', reply], label: `global reply ${reply}` });
  return targets;
}

/** States of `flowId` that global behaviour jumps to from anywhere. */
export function globalEntryStates(context: RuleContext, flowId: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const { target, label } of globalTargets(context)) {
    const resolved = resolveGlobalTarget(target);
    if (resolved.flowId === flowId && !entries.has(resolved.stateId)) entries.set(resolved.stateId, label);
  }
  return entries;
}

/** `flows/main.yaml`-style name for a flow that should exist, next to the files that do. */
export function expectedFileFor(context: RuleContext, flowId: string): string {
  const sample = context.flows[0]?.file ?? context.unparsed[0]?.file;
  const dir = sample ? path.posix.dirname(sample.split(path.sep).join('/')) : 'flows';
  return dir === '.' ? `${flowId}.yaml` : `${dir}/${flowId}.yaml`;
}
