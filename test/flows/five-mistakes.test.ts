import path from 'node:path';
import { formatDiagnostic } from '../../src/flows/diagnostic';
import { checkFlows } from '../../src/flows/validate-flows';
import { testKnowledge } from './test-knowledge';

const FIXTURES = path.join(__dirname, 'fixtures');

describe('acceptance: a flow file with five different mistakes', () => {
  it('produces exactly five errors, each with file:line:column and a fix hint', () => {
    const diagnostics = checkFlows(path.join(FIXTURES, 'five-mistakes'), testKnowledge(), { relativeTo: FIXTURES });
    expect(diagnostics.map((diagnostic) => [diagnostic.file, diagnostic.line, diagnostic.column, diagnostic.rule, diagnostic.severity])).toEqual([
      ['five-mistakes/order_status.yaml', 6, 10, 'missing-message', 'error'],
      ['five-mistakes/order_status.yaml', 7, 41, 'unknown-entity', 'error'],
      ['five-mistakes/order_status.yaml', 9, 7, 'unknown-intent', 'error'],
      ['five-mistakes/order_status.yaml', 11, 11, 'unknown-target', 'error'],
      ['five-mistakes/order_status.yaml', 13, 11, 'unknown-integration', 'error'],
    ]);
    for (const diagnostic of diagnostics) {
      expect(diagnostic.hint.length).toBeGreaterThan(10);
      expect(formatDiagnostic(diagnostic)).toMatch(/^five-mistakes\/order_status\.yaml:\d+:\d+ error \[[a-z-]+\] .+ Fix: .+/);
    }
    expect(formatDiagnostic(diagnostics[3])).toBe(
      'five-mistakes/order_status.yaml:11:11 error [unknown-target] State "ask_number" goes to "lookup_order", which does not exist in flow "order_status". '
      + 'Fix: use one of: lookup, ask_number, tell_status, not_found, to_human, done or add a state "lookup_order".');
    expect(diagnostics[0].message).toContain('Did you mean "order_status.ask_number"?');
    expect(diagnostics[1].message).toContain('Did you mean "order_number"?');
    expect(diagnostics[2].message).toContain('Did you mean "human_agent"?');
    expect(diagnostics[4].message).toContain('Did you mean "orders.lookup"?');
  });

  it('finds nothing wrong in the valid fixture set', () => {
    expect(checkFlows(path.join(FIXTURES, 'valid'), testKnowledge(), { relativeTo: FIXTURES }).map(formatDiagnostic)).toEqual([]);
  });
});
