import { flowToMermaid } from '../../src/flows/graph-flow';
import { parseFlowSource } from '../../src/flows/load-flows';
import { MAIN, ORDER_STATUS } from './flow-test-helpers';

const flowOf = (source: string) => {
  const parsed = parseFlowSource(source, 'flows/x.yaml');
  if (!parsed.flow) throw new Error(parsed.diagnostics.map((d) => d.message).join('; '));
  return parsed.flow.flow;
};

describe('flowToMermaid', () => {
  it('draws one node per state and labelled edges', () => {
    const text = flowToMermaid(flowOf(MAIN.replace('states:\n', 'global:\n  intents:\n    human_agent: main.bye\n    help: repeat\nstates:\n')));
    expect(text.split('\n')).toEqual([
      'stateDiagram-v2',
      '  menu : ask main.menu',
      '  orders : run flow order_status',
      '  bye : say main.goodbye, end resolved',
      '  [*] --> menu',
      '  menu --> orders : order_status',
      '  menu --> menu : otherwise',
      '  orders --> bye : after order_status',
      '  bye --> [*] : resolved',
      '  state "any state" as any_state',
      '  any_state --> bye : human_agent',
      '',
    ]);
  });

  it('labels slots, failures, conditions and returns, and renames ids Mermaid reserves', () => {
    const source = `${ORDER_STATUS}  check:
    branch:
      - if: { all: [{ slot: order_number, gte: 10000 }, { open_now: true }] }
        goto: end
      - else: done
  end:
    say: order_status.status
    next: done
`;
    const text = flowToMermaid(flowOf(source));
    expect(text).toContain('  ask_number : ask order_number (order_number)');
    expect(text).toContain('  ask_number --> done : failure');
    expect(text).toContain('  check --> s_end : order_number ≥ 10000 and open');
    expect(text).toContain('  state "end" as s_end');
    expect(text).toContain('  done --> [*] : return');
  });
});
