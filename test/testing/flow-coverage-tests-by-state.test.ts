import path from 'node:path';
import { loadFlows } from '../../src/flows/load-flows';
import { createCoverageRecorder } from '../../src/testing/flow-coverage';
import { runScripts } from '../../src/testing/run-scripts';
import { loadMiniBot, MINI_BOT_DIR } from '../support/mini-bot';

describe('the tests that pass through a state', () => {
  it('names, per state, each test whose conversation reached it, once', async () => {
    const flows = loadFlows(path.join(MINI_BOT_DIR, 'flows')).flows.map((loaded) => loaded.flow);
    const coverage = createCoverageRecorder(flows);
    const script = path.join(__dirname, '..', 'fixtures', 'coverage-order.yaml');
    const { results } = await runScripts([script], loadMiniBot(), { 'orders.lookup': async () => ({ outcome: 'found', result: { status: 'toimitettu' } }) }, { onStateChange: coverage.record });
    const report = coverage.report();
    const test = { file: results[0].file, name: results[0].name };
    expect(report.testsByState['order.ask_number']).toEqual([test]);
    expect(report.testsByState['order.tell']).toEqual([test]);
    expect(report.testsByState['order.not_found']).toBeUndefined();
  });

  it('reads the runner\'s file#name:id scope, and keeps tests apart', () => {
    const coverage = createCoverageRecorder(loadFlows(path.join(MINI_BOT_DIR, 'flows')).flows.map((loaded) => loaded.flow));
    coverage.record({ conversationId: 'a.yaml#asks: then tells:c1', from: undefined, to: 'main.menu' } as Parameters<typeof coverage.record>[0]);
    coverage.record({ conversationId: 'a.yaml#asks: then tells:c2', from: 'main.menu', to: 'main.order' } as Parameters<typeof coverage.record>[0]);
    coverage.record({ conversationId: 'b.yaml#other:c1', from: undefined, to: 'main.menu' } as Parameters<typeof coverage.record>[0]);
    coverage.record({ conversationId: 'live-1', from: undefined, to: 'main.menu' } as Parameters<typeof coverage.record>[0]);
    expect(coverage.report().testsByState['main.menu']).toEqual([{ file: 'a.yaml', name: 'asks: then tells' }, { file: 'b.yaml', name: 'other' }, { file: '', name: 'live-1' }]);
  });
});
