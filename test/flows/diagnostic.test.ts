import { formatDiagnostic, hasErrors, sortDiagnostics, type Diagnostic } from '../../src/flows/diagnostic';
import { didYouMean, editDistance, suggestName } from '../../src/flows/suggest-name';

const diagnostic = (over: Partial<Diagnostic>): Diagnostic => ({
  file: 'flows/main.yaml', line: 1, column: 1, rule: 'r', severity: 'error', message: 'M.', hint: 'h.', ...over,
});

describe('formatDiagnostic', () => {
  it('writes file:line:column severity [rule] message Fix: hint', () => {
    expect(formatDiagnostic(diagnostic({ line: 12, column: 7, rule: 'unknown-target', message: 'State "a" goes to "b".', hint: 'use c.' })))
      .toBe('flows/main.yaml:12:7 error [unknown-target] State "a" goes to "b". Fix: use c.');
  });

  it('sorts by file and place; warnings alone are not errors', () => {
    const sorted = sortDiagnostics([diagnostic({ line: 9 }), diagnostic({ file: 'flows/a.yaml', line: 20 }), diagnostic({ line: 2, severity: 'warning' })]);
    expect(sorted.map((d) => `${d.file}:${d.line}`)).toEqual(['flows/a.yaml:20', 'flows/main.yaml:2', 'flows/main.yaml:9']);
    expect(hasErrors([diagnostic({ severity: 'warning' })])).toBe(false);
    expect(hasErrors(sorted)).toBe(true);
  });
});

describe('suggestName', () => {
  it('counts a swapped pair as one edit', () => {
    expect(editDistance('aks', 'ask')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('suggests close names and names containing each other, nothing for far ones', () => {
    expect(suggestName('aks', ['ask', 'say', 'slot'])).toBe('ask');
    expect(suggestName('lookup_order', ['lookup', 'ask_number'])).toBe('lookup');
    expect(suggestName('zebra', ['ask', 'say'])).toBeUndefined();
    expect(didYouMean('human_agnet', ['human_agent'])).toBe(' Did you mean "human_agent"?');
  });
});
