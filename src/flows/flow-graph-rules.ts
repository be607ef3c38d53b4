import type { Diagnostic } from './diagnostic';
import { edgesOf, isTerminal, isWaiting, kindConflict, kindOf, type StateEdge } from './flow-graph';
import type { FlowState } from './flow-schema';
import type { LoadedFlow } from './load-flows';
import { diagnosticAt, globalEntryStates, isComplete, MAIN_FLOW_ID, statesOf, type Rule, type RuleContext } from './rule-context';

/** Edges that stay inside the flow and lead to a state that exists. */
function localEdges(loaded: LoadedFlow, state: FlowState): StateEdge[] {
  return edgesOf(state).filter((edge) => !edge.target.includes('.') && loaded.flow.states[edge.target] !== undefined);
}

/** Where a flow can be entered: its start, plus states global behaviour jumps to from anywhere. */
function entryStates(context: RuleContext, loaded: LoadedFlow): Map<string, string> {
  const entries = new Map<string, string>([[loaded.flow.start, 'start']]);
  for (const [stateId, label] of globalEntryStates(context, loaded.flow.id)) if (!entries.has(stateId)) entries.set(stateId, label);
  return entries;
}

/**
 * Breadth-first search from the entries; `blocked` edges are not followed. Returns each reached state's
 * predecessor so a path can be shown.
 */
function search(loaded: LoadedFlow, entries: Iterable<string>, blocked: (from: string, edge: StateEdge) => boolean = () => false): Map<string, string | null> {
  const previous = new Map<string, string | null>();
  const queue: string[] = [];
  for (const entry of entries) {
    if (loaded.flow.states[entry] && !previous.has(entry)) { previous.set(entry, null); queue.push(entry); }
  }
  while (queue.length > 0) {
    const current = queue.shift() as string;
    for (const edge of localEdges(loaded, loaded.flow.states[current])) {
      if (previous.has(edge.target) || blocked(current, edge)) continue;
      previous.set(edge.target, current);
      queue.push(edge.target);
    }
  }
  return previous;
}

function pathTo(previous: Map<string, string | null>, stateId: string): string[] {
  const steps: string[] = [];
  for (let current: string | null | undefined = stateId; current; current = previous.get(current)) steps.unshift(current);
  return steps;
}

export const checkReachability: Rule = (context) => context.flows.filter(isComplete).flatMap((loaded) => {
  // An unknown start is reported on its own; calling every state unreachable would bury it.
  if (!loaded.flow.states[loaded.flow.start]) return [];
  const reached = search(loaded, entryStates(context, loaded).keys());
  // With a mistyped target ("lookup_order" for "lookup") the graph is broken and every state behind it would be
  // reported too; the unknown-target error says enough until it is fixed.
  const brokenTarget = statesOf(loaded).some(([, state]) => edgesOf(state).some((edge) => !loaded.flow.states[edge.target]));
  if (brokenTarget) return [];
  return statesOf(loaded).filter(([stateId]) => !reached.has(stateId)).map(([stateId]) => diagnosticAt(loaded, ['states', stateId], 'key', 'unreachable-state',
    `State "${stateId}" cannot be reached from the start of flow "${loaded.flow.id}" ("${loaded.flow.start}").`,
    `go to it from another state (e.g. \`next: ${stateId}\`), or delete it.`));
});

const WAY_OUT_HINTS: Record<string, string> = {
  say: 'add `next: <state>`, or `end: resolved` if the conversation ends here.',
  ask: 'add `on_intent: { <intent>: <state> }` and/or `otherwise: <state>`.',
  faq: 'add `on: { answered: <state>, not_found: <state> }` or `next: <state>`.',
  flow: 'add `next: <state>` for where to continue when the subflow returns, or `end: resolved`.',
  branch: 'add branch entries with goto, and a final `- else: <state>`.',
};

/** A state that does not wait, does not end and has no transition leaves the conversation stuck. */
export const checkNoWayOut: Rule = ({ flows }) => flows.flatMap((loaded) => statesOf(loaded).flatMap(([stateId, state]) => {
  const kind = kindOf(state);
  // Calls without `on` and surveys without `next` have their own, more specific rules.
  if (isTerminal(state) || kind === 'call' || kind === 'survey' || kindConflict(state)) return [];
  if (edgesOf(state).length > 0) return [];
  return [diagnosticAt(loaded, ['states', stateId], 'key', 'no-way-out',
    `State "${stateId}" has no way out: it neither ends the conversation nor says where to go next.`, WAY_OUT_HINTS[kind] ?? 'add `next: <state>`.')];
}));

export const checkSubflowReturns: Rule = (context) => {
  const called = new Map<string, { loaded: LoadedFlow; stateId: string }[]>();
  for (const loaded of context.flows) {
    for (const [stateId, state] of statesOf(loaded)) {
      if (state.flow !== undefined && state.flow !== MAIN_FLOW_ID) called.set(state.flow, [...(called.get(state.flow) ?? []), { loaded, stateId }]);
    }
  }
  return [...called.entries()].flatMap(([flowId, callers]) => {
    const subflow = context.byId.get(flowId);
    if (!subflow || !isComplete(subflow)) return [];
    if (statesOf(subflow).some(([, state]) => state.return)) return [];
    return callers.map(({ loaded, stateId }) => diagnosticAt(loaded, ['states', stateId, 'flow'], 'value', 'subflow-without-return',
      `State "${stateId}" runs flow "${flowId}" and continues when it returns, but "${flowId}" has no state with \`return: true\`.`,
      `add a state with \`return: true\` to ${subflow.file} where the subflow is done (or end the conversation there and remove this call's next).`));
  });
};

/** True when the subflow can get from its start back to a `return` without waiting for the customer. */
function returnsWithoutWaiting(context: RuleContext, flowId: string, visiting: Set<string>): boolean {
  const loaded = context.byId.get(flowId);
  if (!loaded || visiting.has(flowId)) return false;
  visiting.add(flowId);
  const passable = (state: FlowState): boolean => !isWaiting(state) && (state.flow === undefined || returnsWithoutWaiting(context, state.flow, visiting));
  const reached = search(loaded, [loaded.flow.start], (from) => !passable(loaded.flow.states[from]));
  visiting.delete(flowId);
  return [...reached.keys()].some((stateId) => loaded.flow.states[stateId].return && passable(loaded.flow.states[stateId]));
}

/**
 * A loop through states that never wait would spin forever within one turn. Waiting states (ask, survey)
 * break loops; a subflow call counts as waiting when its subflow always waits before returning.
 */
export const checkUserTurnCycles: Rule = (context) => context.flows.filter(isComplete).flatMap((loaded) => {
  const states = loaded.flow.states;
  const passable = new Set(Object.keys(states).filter((stateId) => {
    const state = states[stateId];
    // A slot question skips itself when the slot is already filled, so on a second lap it does not wait.
    const skips = kindOf(state) === 'ask' && state.slot !== undefined && state.slot.skip_if_filled;
    // A state with clashing kinds already has an error; guessing how it behaves would add false loops.
    return !kindConflict(state) && (skips || !isWaiting(state)) && !isTerminal(state) && (state.flow === undefined || returnsWithoutWaiting(context, state.flow, new Set()));
  }));
  // A skipped slot question passes straight to `next`; its other edges follow an answer.
  const passEdges = (stateId: string): StateEdge[] => localEdges(loaded, states[stateId])
    .filter((edge) => !(isWaiting(states[stateId]) && edge.via !== 'next'));
  const components = stronglyConnected([...passable], (stateId) => passEdges(stateId).map((edge) => edge.target).filter((target) => passable.has(target)));
  const order = Object.keys(states);
  return components
    .filter((component) => component.length > 1 || passEdges(component[0]).some((edge) => edge.target === component[0]))
    .map((component) => {
      const sorted = [...component].sort((a, b) => order.indexOf(a) - order.indexOf(b));
      return diagnosticAt(loaded, ['states', sorted[0]], 'key', 'cycle-without-user-turn',
        `States ${sorted.map((id) => `"${id}"`).join(' → ')} can loop forever without waiting for the customer.`,
        'put a question (ask) in the loop, or change a target so the loop ends (a slot question is skipped when its slot is already filled: add `skip_if_filled: false` to ask again).');
    });
});

/** Tarjan's algorithm; iterative depth is fine for flow-sized graphs. */
function stronglyConnected(nodes: string[], next: (node: string) => string[]): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const result: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter); low.set(node, counter); counter += 1;
    stack.push(node); onStack.add(node);
    for (const target of next(node)) {
      if (!index.has(target)) { visit(target); low.set(node, Math.min(low.get(node) as number, low.get(target) as number)); }
      else if (onStack.has(target)) low.set(node, Math.min(low.get(node) as number, index.get(target) as number));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do { member = stack.pop() as string; onStack.delete(member); component.push(member); } while (member !== node);
      result.push(component);
    }
  };
  for (const node of nodes) if (!index.has(node)) visit(node);
  return result;
}

/** Does taking `edge` out of `state` fill `slot` for sure? A slot question's `next`, or a subflow that always fills it. */
function edgeFills(context: RuleContext, state: FlowState, edge: StateEdge, slot: string, visiting: Set<string>): boolean {
  if (edge.via !== 'next') return false;
  if (state.slot?.name === slot && state.ask !== undefined) return true;
  return state.flow !== undefined && subflowFills(context, state.flow, slot, visiting);
}

/** A subflow fills a slot when none of its returns can be reached from its start without filling it. */
function subflowFills(context: RuleContext, flowId: string, slot: string, visiting: Set<string>): boolean {
  const loaded = context.byId.get(flowId);
  if (!loaded || !isComplete(loaded) || visiting.has(flowId)) return false;
  visiting.add(flowId);
  const reached = search(loaded, [loaded.flow.start], (from, edge) => edgeFills(context, loaded.flow.states[from], edge, slot, visiting));
  visiting.delete(flowId);
  const returns = statesOf(loaded).filter(([, state]) => state.return).map(([stateId]) => stateId);
  return returns.length > 0 && returns.every((stateId) => !reached.has(stateId));
}

/**
 * A handoff's `requires` slots must be filled on every path from the flow's entries. Per slot this is
 * plain reachability once the edges that fill the slot are removed: if the handoff is still reachable,
 * some path misses the slot, and the search gives that path.
 */
export const checkHandoffRequires: Rule = (context) => context.flows.filter(isComplete).flatMap((loaded) => {
  const found: Diagnostic[] = [];
  const entries = entryStates(context, loaded);
  for (const [stateId, state] of statesOf(loaded)) {
    (state.handoff?.requires ?? []).forEach((slot, index) => {
      const reached = search(loaded, entries.keys(), (from, edge) => edgeFills(context, loaded.flow.states[from], edge, slot, new Set([loaded.flow.id])));
      if (!reached.has(stateId)) return;
      const route = pathTo(reached, stateId);
      const entry = entries.get(route[0]);
      const via = entry && entry !== 'start' ? `${entry} → ${route.join(' → ')}` : route.join(' → ');
      found.push(diagnosticAt(loaded, ['states', stateId, 'handoff', 'requires', index], 'value', 'handoff-requires',
        `Handoff "${stateId}" requires slot "${slot}", but it can be reached without filling it: ${via}.`,
        `ask for "${slot}" (a state with \`slot: { name: ${slot}, ... }\`) on that path before the handoff, or remove it from requires.`));
    });
  }
  return found;
});
