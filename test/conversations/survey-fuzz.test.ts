import * as path from 'node:path';
import { loadConfig } from '../../src/config/load-config';
import type { TurnInput } from '../../src/core/turn';
import { createIntegrations, loadBotFor } from '../../src/server/composition';
import { createScriptHarness, DEFAULT_SCRIPT_TIME } from '../../src/testing/run-conversation-script';

// The closing questions of the demo bot ("Oliko tästä apua?" and the 1–5 rating) fed odd answers through the real
// engine, NLU and flows: every customer message gets at least one message back, whatever it was.
const root = path.resolve(__dirname, '..', '..');
const config = loadConfig({ ASPA_FLOWS_DIR: path.join(root, 'flows'), ASPA_LOCALES_DIR: path.join(root, 'locales'), ASPA_DATA_DIR: path.join(root, 'data') }, root);
const loaded = loadBotFor(config);
const integrations = createIntegrations(config);

const ODD: (string | TurnInput)[] = [
  '?', '...', '👍', '😡😡', '⭐⭐⭐⭐⭐', '5️⃣', '５', '٣', '0', '6', '10', '-1', '3.5', '4,5', '100', '1 2 3', '5/5', 'viisi', 'five', 'fem',
  'x'.repeat(2000), 'Что?', '谢谢', '\u200b', '<b>5</b>', 'ok', 'en tiedä', 'ei', 'kyllä', 'hei hei', 'kiitos', 'paska', 'asdfgh', 'ihan ok',
  'haluan ihmisen', 'milloin olette auki', 'en halua vastata', 'ohita',
  { kind: 'dtmf', digits: '0' }, { kind: 'dtmf', digits: '99' }, { kind: 'dtmf', digits: '*' }, { kind: 'payload', payload: '5' },
];
const CLOSINGS: Record<string, { locale: 'fi' | 'en' | 'sv'; lines: string[]; state?: string }> = {
  'did this help (fi)': { locale: 'fi', lines: ['milloin olette auki'], state: 'main.faq_helped' },
  'rating (fi)': { locale: 'fi', lines: ['kiitos, siinä kaikki'], state: 'main.goodbye' },
  'rating (en)': { locale: 'en', lines: ['thanks, that is all'], state: 'main.goodbye' },
  'rating (sv)': { locale: 'sv', lines: ['tack, det var allt'], state: 'main.goodbye' },
};

describe('closing questions never answer with silence', () => {
  it.each(Object.keys(CLOSINGS))('%s', async (name) => {
    const { locale, lines } = CLOSINGS[name];
    const silent: string[] = [];
    for (const odd of ODD) {
      const harness = createScriptHarness(loaded, integrations, Date.parse(DEFAULT_SCRIPT_TIME));
      const turn = (input: TurnInput) => harness.engine.handleTurn({ conversationId: 'fuzz', channel: input.kind === 'dtmf' ? 'voice' : 'web', input, locale });
      await turn({ kind: 'start' });
      let state = '';
      for (const line of lines) state = (await turn({ kind: 'text', text: line })).state;
      expect(state).toBe(CLOSINGS[name].state);
      const input: TurnInput = typeof odd === 'string' ? { kind: 'text', text: odd } : odd;
      // Twice: the second answer meets the reprompt (or the conversation after its end).
      for (let attempt = 0; attempt < 2; attempt++) {
        const result = await turn(input).catch((error: Error) => ({ replies: [{ kind: `refused: ${error.message}` }] }));
        if (!result.replies.some((reply) => reply.kind === 'message' || reply.kind.startsWith('refused'))) silent.push(`${JSON.stringify(odd).slice(0, 30)} #${attempt}`);
      }
      await harness.stores.close();
    }
    expect(silent).toEqual([]);
  });
});
