import type { StateChange } from '../core/engine';
import { edgesOf } from '../flows/flow-graph';
import type { FlowFile } from '../flows/flow-schema';

export interface WrittenTransition { from: string; to: string; label: string }

export interface FlowCoverage {
  states: { covered: number; total: number; uncovered: string[] };
  transitions: { covered: number; total: number; uncovered: WrittenTransition[] };
  /** Covered `flow.state` names and `from->to` transitions, for drawing them. */
  coveredStates: string[];
  coveredTransitions: string[];
  byFlow: Record<string, { states: number; coveredStates: number; transitions: number; coveredTransitions: number }>;
  /** The tests that passed through each covered `flow.state`, in the order they first reached it. */
  testsByState: Record<string, CoveringTest[]>;
}

/** A conversation test, as the script runner names it in the conversation ids it records (`file#name:id`). */
export interface CoveringTest { file: string; name: string }

/** The test a recorded conversation id belongs to; an id without the runner's `file#name:` scope is its own test. */
function testOf(conversationId: string): CoveringTest {
  // Conversation ids have no ':' or '#', so the scope ends at the last ':' and the file at the first '#'.
  const scope = conversationId.lastIndexOf(':') > 0 ? conversationId.slice(0, conversationId.lastIndexOf(':')) : conversationId;
  const hash = scope.indexOf('#');
  return hash > 0 ? { file: scope.slice(0, hash), name: scope.slice(hash + 1) } : { file: '', name: scope };
}

export interface CoverageRecorder {
  record(change: StateChange): void;
  report(): FlowCoverage;
}

const key = (transition: { from: string; to: string }): string => `${transition.from}->${transition.to}`;

/**
 * Path coverage of the flow graph by conversation tests: which states the dialogs passed through and which of the
 * written transitions (`next`, `on_intent`, `branch`, ...) they took. A subflow call's `next` counts as taken when the
 * conversation reaches that state after the call (it comes back through the subflow's `return`).
 */
export function createCoverageRecorder(flows: FlowFile[]): CoverageRecorder {
  const written: WrittenTransition[] = [];
  const callNext = new Map<string, string>();
  for (const flow of flows) {
    for (const [stateId, state] of Object.entries(flow.states)) {
      const from = `${flow.id}.${stateId}`;
      for (const edge of edgesOf(state)) {
        if (edge.target.includes('.')) continue;
        written.push({ from, to: `${flow.id}.${edge.target}`, label: edge.label || edge.via });
        if (state.flow && edge.via === 'next') callNext.set(from, `${flow.id}.${edge.target}`);
      }
    }
  }
  const allStates = flows.flatMap((flow) => Object.keys(flow.states).map((state) => `${flow.id}.${state}`));
  const visited = new Set<string>();
  const taken = new Set<string>();
  const pendingCalls = new Map<string, Set<string>>();
  const testsByState = new Map<string, Map<string, CoveringTest>>();

  return {
    record(change) {
      visited.add(change.to);
      const test = testOf(change.conversationId);
      const tests = testsByState.get(change.to) ?? new Map<string, CoveringTest>();
      tests.set(`${test.file}#${test.name}`, test);
      testsByState.set(change.to, tests);
      if (change.from) taken.add(key({ from: change.from, to: change.to }));
      const pending = pendingCalls.get(change.conversationId) ?? new Set<string>();
      for (const call of pending) {
        if (callNext.get(call) === change.to) {
          taken.add(key({ from: call, to: change.to }));
          pending.delete(call);
        }
      }
      if (callNext.has(change.to)) pending.add(change.to);
      pendingCalls.set(change.conversationId, pending);
    },
    report() {
      const known = new Set(allStates);
      const coveredStates = allStates.filter((state) => visited.has(state));
      const coveredTransitions = written.filter((transition) => taken.has(key(transition)));
      const byFlow: FlowCoverage['byFlow'] = {};
      for (const flow of flows) {
        const prefix = `${flow.id}.`;
        const own = written.filter((transition) => transition.from.startsWith(prefix));
        byFlow[flow.id] = {
          states: Object.keys(flow.states).length,
          coveredStates: coveredStates.filter((state) => state.startsWith(prefix)).length,
          transitions: own.length,
          coveredTransitions: own.filter((transition) => taken.has(key(transition))).length,
        };
      }
      return {
        states: { covered: coveredStates.length, total: allStates.length, uncovered: allStates.filter((state) => !visited.has(state)) },
        transitions: { covered: coveredTransitions.length, total: written.length, uncovered: written.filter((transition) => !taken.has(key(transition))) },
        coveredStates: coveredStates.filter((state) => known.has(state)),
        coveredTransitions: coveredTransitions.map(key),
        byFlow,
        testsByState: Object.fromEntries(allStates.filter((state) => testsByState.has(state)).map((state) => [state, [...(testsByState.get(state)?.values() ?? [])]])),
      };
    },
  };
}

function percent(covered: number, total: number): string {
  return total === 0 ? '100 %' : `${Math.round((covered / total) * 1000) / 10} %`;
}

/** The coverage as `aspa test --coverage` prints it: totals, a line per flow, then what no test reaches. */
export function formatCoverage(coverage: FlowCoverage): string {
  const lines = [
    `coverage: states ${coverage.states.covered}/${coverage.states.total} (${percent(coverage.states.covered, coverage.states.total)}), transitions ${coverage.transitions.covered}/${coverage.transitions.total} (${percent(coverage.transitions.covered, coverage.transitions.total)})`,
    ...Object.entries(coverage.byFlow).map(([flow, numbers]) =>
      `  ${flow.padEnd(18)} states ${`${numbers.coveredStates}/${numbers.states}`.padStart(6)}  transitions ${`${numbers.coveredTransitions}/${numbers.transitions}`.padStart(7)}`),
  ];
  if (coverage.states.uncovered.length > 0) lines.push('untested states:', ...coverage.states.uncovered.map((state) => `  ${state}`));
  if (coverage.transitions.uncovered.length > 0) lines.push('untested transitions:', ...coverage.transitions.uncovered.map((transition) => `  ${transition.from} -> ${transition.to} (${transition.label})`));
  return `${lines.join('\n')}\n`;
}
