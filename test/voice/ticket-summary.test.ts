import * as path from 'node:path';
import { loadConfig } from '../../src/config/load-config';
import { createIntegrations, loadBotFor } from '../../src/server/composition';
import { createScriptHarness } from '../../src/testing/run-conversation-script';
import type { VoiceConfig } from '../../src/channels/voice/voice-config';
import { installLoopbackGuard } from './support/loopback-guard';
import { spokenText } from './support/parse-twiml';
import { actionPath, callSid, startVoiceHarness, voiceConfig } from './support/voice-harness';

// The ticket's summary as the agent reads it after a call: what the caller was told, not how the phone steered
// the call (reprompts, "did I hear right?", the keypad menu, transfer notices) nor lines the caller never heard.
const root = path.resolve(__dirname, '..', '..');
const config = loadConfig({ ASPA_FLOWS_DIR: path.join(root, 'flows'), ASPA_LOCALES_DIR: path.join(root, 'locales'), ASPA_DATA_DIR: path.join(root, 'data') }, root);
const loaded = loadBotFor(config);
const integrations = createIntegrations(config);
const TUESDAY_MORNING = Date.parse('2026-12-01T10:00:00+02:00');
const CALLER = '+358401112255';

/** The summary's "Botti kertoi" line: the quoted lines, in order. */
function toldIn(summary: string): string[] {
  const line = summary.split('\n').find((entry) => entry.startsWith('Botti kertoi: '));
  return line ? [...line.matchAll(/"([^"]*)"/g)].map((match) => match[1]) : [];
}

describe('the ticket summary of a call', () => {
  const guard = installLoopbackGuard();
  afterAll(() => {
    guard.restore();
    expect(guard.targets.filter((target) => !/^(dns:)?127\.0\.0\.1(:|$)/.test(target))).toEqual([]);
  });

  /** Silence, an unsure "where is my order" confirmed, the order status, silence again, then "a person, please". */
  async function callThatAsksForAPerson(sid: string, transfer: VoiceConfig['transfer']) {
    const harness = createScriptHarness(loaded, integrations, TUESDAY_MORNING);
    const voice = await startVoiceHarness({
      engine: harness.engine, clock: harness.clock, customers: harness.stores.customers, tickets: harness.stores.tickets, config: voiceConfig({ transfer }),
    });
    const heard: string[] = [];
    let response = await voice.post('incoming', { CallSid: sid, From: CALLER });
    const answer = async (params: Record<string, string>) => {
      response = await voice.post(actionPath(response.twiml), { CallSid: sid, From: CALLER, ...params });
      heard.push(spokenText(response.twiml!));
    };
    try {
      await answer({});
      await answer({ SpeechResult: 'missä minun tilaus on', Confidence: '0.3' });
      await answer({ SpeechResult: 'kyllä', Confidence: '0.9' });
      await answer({ SpeechResult: '12345', Confidence: '0.9' });
      await answer({});
      await answer({ SpeechResult: 'haluan puhua ihmisen kanssa', Confidence: '0.9' });
      const record = await harness.engine.getConversation(`voice-${sid}`);
      const ticket = await harness.stores.tickets.get(record?.ticketId ?? '');
      return { heard, record, ticket };
    } finally {
      await voice.close();
      await harness.stores.close();
    }
  }

  it('a transferred call: "Botti kertoi" holds what the caller was told, without the phone\'s own prompts', async () => {
    const { heard, ticket } = await callThatAsksForAPerson(callSid(501), { number: '+358290000000' });
    // The caller did hear the channel's prompts, and the transcript keeps them for the agent who reads it all.
    expect(heard.join(' ')).toContain('Anteeksi, en kuullut.');
    expect(heard.join(' ')).toContain('Kuulinko oikein: missä minun tilaus on?');
    expect(ticket?.transcript.some((entry) => entry.key === 'voice.reprompt')).toBe(true);

    const summary = ticket!.summary;
    expect(toldIn(summary)).toEqual([
      'Kerrotko tilausnumerosi? Se on 5–8 numeroa, ja löydät sen…',
      'Tilauksesi 12345 (WiFi 6 -reititin) on lähetetty. Kuljetuksen hoitaa Posti, ja…',
      'Voinko auttaa vielä jossain muussa?',
    ]);
    expect(summary).not.toMatch(/Anteeksi, en kuullut|Kuulinko oikein|Paina \d/);
    expect(summary.split('\n')[0]).toBe('Aihe: order_status.');
    expect(summary).toContain('Kanava: puhelu, kieli: suomi.');
  });

  it('nobody to take the call and the number withheld: no callback promised, the caller keeps the ticket id, the ticket says why', async () => {
    const harness = createScriptHarness(loaded, integrations, TUESDAY_MORNING);
    const voice = await startVoiceHarness({
      engine: harness.engine, clock: harness.clock, customers: harness.stores.customers, tickets: harness.stores.tickets, config: voiceConfig({ transfer: {} }),
    });
    try {
      const sid = callSid(503);
      const greeting = await voice.post('incoming', { CallSid: sid, From: 'anonymous' });
      const end = await voice.post(actionPath(greeting.twiml), { CallSid: sid, From: 'anonymous', SpeechResult: 'haluan puhua ihmisen kanssa', Confidence: '0.9' });
      const said = spokenText(end.twiml!);
      expect(said).toMatch(/^Asiakaspalvelijaa ei valitettavasti saa nyt puhelimeen, eikä numerosi näy meille\. Kirjasin asiasi tunnuksella A S P A, 0 0 0 0 0 1\./);
      expect(said).not.toMatch(/soitamme|yhdistän/i);
      const record = await harness.engine.getConversation(`voice-${sid}`);
      const ticket = await harness.stores.tickets.get(record?.ticketId ?? '');
      expect(ticket?.reason).toBe('customer_request');
      expect(ticket?.contact.phone).toBeUndefined();
      expect(ticket?.summary.split('\n')[0]).toBe('Puhelua ei voitu siirtää asiakaspalvelijalle, eikä soittajan numero näkynyt: asiakas ottaa yhteyttä uudelleen tämän tiketin tunnuksella.');

      // A silent line from a withheld number ends without a callback promise either.
      const silent = callSid(504);
      let response = await voice.post('incoming', { CallSid: silent, From: 'anonymous' });
      for (let turn = 0; turn < 3 && response.twiml?.children.some((node) => node.name === 'Gather'); turn += 1) {
        response = await voice.post(actionPath(response.twiml), { CallSid: silent, From: 'anonymous' });
      }
      expect(spokenText(response.twiml!)).toBe('En valitettavasti kuule sinua. Lopetan nyt puhelun.');
    } finally {
      await voice.close();
      await harness.stores.close();
    }
  });

  it('nobody to take the call: a callback ticket whose summary says so first and never claims the caller was being connected', async () => {
    const { heard, record, ticket } = await callThatAsksForAPerson(callSid(502), {});
    expect(heard[heard.length - 1]).toMatch(/^Asiakaspalvelijaa ei valitettavasti saa nyt puhelimeen\./);
    expect(ticket).toMatchObject({ reason: 'callback', contact: expect.objectContaining({ phone: CALLER }) });
    const lines = ticket!.summary.split('\n');
    expect(lines[0]).toBe(`Puhelua ei voitu siirtää asiakaspalvelijalle: soita asiakkaalle takaisin numeroon ${CALLER}.`);
    expect(lines[1]).toBe('Aihe: order_status.');
    expect(toldIn(ticket!.summary)).toEqual([
      'Kerrotko tilausnumerosi? Se on 5–8 numeroa, ja löydät sen…',
      'Tilauksesi 12345 (WiFi 6 -reititin) on lähetetty. Kuljetuksen hoitaa Posti, ja…',
      'Voinko auttaa vielä jossain muussa?',
    ]);
    expect(ticket!.summary).not.toMatch(/Yhdistän|Anteeksi, en kuullut|Kuulinko oikein/);
    // The chat's "I'll connect you" stays in the conversation, marked as never played.
    expect(record?.transcript.find((entry) => entry.key === 'human.handoff_created')?.interrupted).toBe('not_played');
  });
});
