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
  'heldout/fi-h43-ruotsiksi-aukiolo.yaml': "'mitä maksutapoja teillä on' reads as help: 'mitä' questions are nearly all help examples in the training data (payment lines in the partitive plural fix it but move 'voitko auttaa mua kirjottaan työhakemuksen' from off-topic to help: the model is that unstable there)",
  'heldout/fi-h98-kissoja-toimistolla-toistin.yaml': "small talk at the order number question ('odota ku kaivan sen... onks teillä muuten kissoja siellä toimistolla 😄') gets the number reprompt instead of a short friendly answer",
  'heldout/en-h53-forget-order-installation-fee.yaml': "at the order number question 'forget the order for a sec, my newest invoice shows a 15€ installation fee and nobody installed anything' drops the topic ('All right, let's leave that.') instead of starting the bill complaint, so the invoice number is then looked up as an order",
  'heldout/en-h54-hows-your-day-sushi-dead-pixels.yaml': "'do u know any decent sushi place in oulu' is answered as small talk ('I'm always up for a chat…') instead of saying it is outside what the bot can help with",
  'heldout/en-h55-ditching-internet-then-svenska-tidsbundet.yaml': "'thinking of ditching my internet subscription with you, whats the process' is answered with moving the subscription instead of cancelling, and the switch to Swedish with 'vad händer om mitt avtal är tidsbundet' gets only the language change, the question unanswered",
  'heldout/en-h56-two-things-12345-monthly-chunks.yaml': "the second request 'is paying a laptop off monthly a thing with you' (next to order 12345) is dropped after the status, and 'perfect, that covers it' at 'anything else?' goes back to the menu instead of saying goodbye",
  'heldout/fi-h103-perjantaina-kahden-jalkeen-sujuvasti.yaml': "'ihan sujuvasti meni' at the rating question gets the survey reprompt instead of being taken as a (good) free-text rating",
  'heldout/fi-h104-mesh-ei-hajuakaan-numerosta.yaml': "'ei oo hajuakaan tilausnumerosta, en muista saaneeni mitään vahvistusta' at the order number question gets the number reprompt instead of the hint where to find it",
  'heldout/fi-h107-kiireinen-paiva-lapset-pelaa.yaml': "'moikka 😊 onks sulla ollu kiireinen päivä?' gets only a greeting back ('Hei vaan!') instead of a friendly small-talk answer to the question",
  'heldout/fi-h108-lahja-anopille-tapaninpaiva.yaml': "'keksitkö mulle jotain joululahjaideaa anopille, se tykkää puutarhahommista' is taken as a callback request (asks for a phone number) instead of saying it is outside what the bot can help with",
  'heldout/fi-h109-muutto-kokkolaan-svenska-fiber.yaml': "the switch to Swedish at 'Oliko tästä apua?' with 'finns det fiber där på nya adressen?' is read as a no ('Tråkigt att svaret inte hjälpte', offer of a person) and the availability question is not answered",
  'heldout/fi-h111-tilaus-67890-nopee-palvelu.yaml': "'olit tosi nopee, kiitos!' at the rating question skips the rating ('Selvä, ei haittaa') instead of taking the praise as a good rating",
  'heldout/fi-h112-tilausnumero-hukassa-ihminen-nimella.yaml': "'paketti antaa vieläki odottaa itteään ja tilausnumerokin on jossain hukassa' gets the plain order number question instead of the hint where to find it ('hukassa' is not read as the number missing)",
  'heldout/sv-h54-faktura-stammer-inte-byta-epost.yaml': "the topic line 'min senaste faktura stämmer inte alls' is taken as the description, so after the invoice number the complaint is filed without asking what is wrong with the bill",
  'heldout/sv-h55-bra-vecka-bitcoin-paket-hem.yaml': "'ska jag köpa bitcoin nu eller vänta lite' is answered with the invoice due date FAQ instead of saying it is outside what the bot can help with",
  'heldout/sv-h56-losenord-sedan-suomeksi-elasku.yaml': "the switch to Finnish at 'Hjälpte det här?' with 'voiks laskut tulla jatkossa sähköpostiin eikä paperisena' is read as a no ('Harmi, ettei vastaus auttanut', offer of a person) and the e-invoice question is not answered",
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
