import path from 'node:path';
import { loadFlows } from '../../src/flows/load-flows';
import { createCoverageRecorder, formatCoverage } from '../../src/testing/flow-coverage';
import { runScripts } from '../../src/testing/run-scripts';
import { loadMiniBot, MINI_BOT_DIR } from '../support/mini-bot';

describe('conversation-test coverage', () => {
  it('counts the states the dialogs pass through and the written transitions they take, and lists the rest', async () => {
    const flows = loadFlows(path.join(MINI_BOT_DIR, 'flows')).flows.map((loaded) => loaded.flow);
    const coverage = createCoverageRecorder(flows);
    const script = path.join(__dirname, '..', 'fixtures', 'coverage-order.yaml');
    const { results, problems } = await runScripts([script], loadMiniBot(), { 'orders.lookup': async () => ({ outcome: 'found', result: { status: 'toimitettu' } }) }, { onStateChange: coverage.record });
    expect(problems).toEqual([]);
    expect(results.map((result) => result.passed)).toEqual([true]);
    const report = coverage.report();
    expect(report.coveredStates).toEqual(expect.arrayContaining(['order.ask_number', 'order.lookup', 'order.tell']));
    expect(report.states.uncovered).toEqual(expect.arrayContaining(['order.not_found', 'order.give_up']));
    expect(report.coveredTransitions).toEqual(expect.arrayContaining(['order.ask_number->order.lookup', 'order.lookup->order.tell']));
    expect(report.transitions.uncovered).toEqual(expect.arrayContaining([{ from: 'order.lookup', to: 'order.not_found', label: 'not_found' }]));
    // The subflow call's `next` counts once the conversation is back from the subflow.
    const call = Object.entries(flows.find((flow) => flow.id === 'main')?.states ?? {}).find(([, state]) => state.flow === 'order');
    if (call?.[1].next) expect(report.coveredTransitions).toContain(`main.${call[0]}->main.${call[1].next}`);
    const printed = formatCoverage(report);
    expect(printed).toMatch(/^coverage: states \d+\/\d+ \([\d.]+ %\), transitions \d+\/\d+/);
    expect(printed).toContain('  order.lookup -> order.not_found (not_found)');
  });
});
