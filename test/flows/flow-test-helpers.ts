import { sortDiagnostics, type Diagnostic } from '../../src/flows/diagnostic';
import { parseFlowSource, type LoadedFlow, type UnparsedFlow } from '../../src/flows/load-flows';
import { validateFlows, type FlowKnowledge } from '../../src/flows/validate-flows';
import { testKnowledge } from './test-knowledge';

/** A main flow that passes every rule with `testKnowledge()`. */
export const MAIN = `id: main
start: menu
states:
  menu:
    ask: main.menu
    on_intent:
      order_status: orders
    otherwise: menu
  orders:
    flow: order_status
    next: bye
  bye:
    say: main.goodbye
    end: resolved
`;

/** A subflow that passes every rule. */
export const ORDER_STATUS = `id: order_status
start: ask_number
states:
  ask_number:
    ask: order_status.ask_number
    slot: { name: order_number, entity: order_number }
    on_failure: done
    next: done
  done:
    return: true
`;

/** Parses in-memory files (name → text) like the loader does and runs the validator on them. */
export function check(files: Record<string, string>, knowledge: FlowKnowledge = testKnowledge()): Diagnostic[] {
  const flows: LoadedFlow[] = [];
  const unparsed: UnparsedFlow[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const [name, source] of Object.entries(files)) {
    const parsed = parseFlowSource(source, `flows/${name}`);
    diagnostics.push(...parsed.diagnostics);
    if (parsed.flow) flows.push(parsed.flow);
    else unparsed.push({ file: `flows/${name}`, id: parsed.id });
  }
  return sortDiagnostics([...diagnostics, ...validateFlows(flows, knowledge, { unparsed })]);
}

/** `rule@line:column` for compact assertions. */
export function summary(diagnostics: Diagnostic[]): string[] {
  return diagnostics.map((diagnostic) => `${diagnostic.rule}@${diagnostic.line}:${diagnostic.column}`);
}
