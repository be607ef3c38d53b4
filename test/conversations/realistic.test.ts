import * as path from 'node:path';
import { loadConfig } from '../../src/config/load-config';
import { createIntegrations, loadBotFor } from '../../src/server/composition';
import { loadConversationScripts } from '../../src/testing/conversation-script';
import { createScriptHarness, DEFAULT_SCRIPT_TIME, runConversationScript } from '../../src/testing/run-conversation-script';

// The realistic corpus (issue 8): conversations written as customers write, each expectation being what a good human
// agent would do. heldout/ is kept out of tuning. `aspa eval test/conversations/realistic` reports the pass rate per
// language and kind.
const root = path.resolve(__dirname, '..', '..');
const folder = path.join(__dirname, 'realistic');
const { scripts, problems } = loadConversationScripts([folder], { recursive: true });

// Scripts the bot does not yet pass, each for a reason that needs more than training data (see issue 8's note).
// A listed script that starts passing fails this test too, so the list only ever shrinks.
const KNOWN_FAILURES: Record<string, string> = {
  'heldout/fi-h120-joulufiilis-hiihtokeskus-tabletti-ennen-joulua.yaml': "a Christmas-mood remark as small talk gets 'en ymmärtänyt' instead of a short friendly answer",
  'heldout/fi-h121-soittakaa-kolmen-jalkeen-kankee-alku.yaml': "the callback is confirmed without the time the customer asked for ('kolmen jälkeen' not kept)",
  'heldout/fi-h122-seuranta-toimitettu-ei-tullu-ihminen.yaml': "'tracking says delivered but nothing came, can someone look into it' repeats the delivered status instead of passing the case to a person",
  'heldout/fi-h124-kauppalista-lopetan-netin-poikaystava.yaml': "an off-topic request (a shopping list) is read as a callback request",
  'heldout/fi-h125-laskussa-virhe-numero-hukassa-kaksi-liittymaa.yaml': "the complaint told in the opening line (charged for two subscriptions) is asked for again after the missing invoice number",
  'heldout/en-h53-forget-order-installation-fee.yaml': "at the order number question 'forget the order for a sec, my newest invoice shows a 15€ installation fee and nobody installed anything' drops the topic ('All right, let's leave that.') instead of starting the bill complaint, so the invoice number is then looked up as an order",
  'heldout/fi-h108-lahja-anopille-tapaninpaiva.yaml': "'keksitkö mulle jotain joululahjaideaa anopille, se tykkää puutarhahommista' is taken as a callback request (asks for a phone number) instead of saying it is outside what the bot can help with",
};

describe('realistic conversation corpus', () => {
  it('is well-formed, and every script says what it exercises', () => {
    expect(problems).toEqual([]);
    expect(scripts.filter((script) => !script.kinds?.length).map((script) => script.file)).toEqual([]);
  });

  describe('scripts', () => {
    const config = loadConfig({ ASPA_FLOWS_DIR: path.join(root, 'flows'), ASPA_LOCALES_DIR: path.join(root, 'locales'), ASPA_DATA_DIR: path.join(root, 'data') }, root);
    const loaded = loadBotFor(config);
    const integrations = createIntegrations(config);
    it.each(scripts.map((script) => [`${path.relative(folder, script.file)}: ${script.name}`, script] as const))('%s', async (_name, script) => {
      const harness = createScriptHarness(loaded, integrations, Date.parse(script.clock ?? DEFAULT_SCRIPT_TIME));
      const result = await runConversationScript(script, harness);
      await harness.stores.close();
      const known = KNOWN_FAILURES[path.relative(folder, script.file)];
      if (known && result.passed) throw new Error(`passes now: remove it from KNOWN_FAILURES ("${known}")`);
      if (!known && !result.passed) throw new Error(`${result.failures.join('\n')}\n\n${result.log.join('\n')}`);
    });
  });
});
