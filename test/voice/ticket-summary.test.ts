import * as path from 'node:path';
import twilio from 'twilio';
import { grpc } from 'google-gax';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config/load-config';
import { createIntegrations, loadBotFor } from '../../src/server/composition';
import { createGoogleSpeechToText } from '../../src/speech/google-speech-to-text';
import { createGoogleTextToSpeech } from '../../src/speech/google-text-to-speech';
import { createScriptHarness } from '../../src/testing/run-conversation-script';
import type { VoiceConfig } from '../../src/channels/voice/voice-config';
import { frames, knownUtterances, loadAudio, silence } from './support/audio-fixtures';
import { startFakeSpeechServer } from './support/fake-speech-server';
import { startFakeTtsServer } from './support/fake-tts-server';
import { startFakeTwilioApi } from './support/fake-twilio-api';
import { installLoopbackGuard } from './support/loopback-guard';
import { spokenText } from './support/parse-twiml';
import { actionPath, AUTH_TOKEN, callSid, startVoiceHarness, voiceConfig } from './support/voice-harness';

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

  it('Media Streams: a line the caller talked over is marked in the summary, so the agent knows it was not heard to the end', async () => {
    const harness = createScriptHarness(loaded, integrations, TUESDAY_MORNING);
    const speechServer = await startFakeSpeechServer(knownUtterances());
    const ttsServer = await startFakeTtsServer(2);
    const local = (port: number) => ({ apiEndpoint: '127.0.0.1', port, sslCreds: grpc.credentials.createInsecure(), universeDomain: 'googleapis.com' });
    const speech = createGoogleSpeechToText({ clientOptions: local(speechServer.port) });
    const tts = createGoogleTextToSpeech({ clientOptions: local(ttsServer.port) });
    const api = await startFakeTwilioApi();
    const voice = await startVoiceHarness({
      engine: harness.engine, speech, tts, twilioClient: api.client, clock: harness.clock, customers: harness.stores.customers, tickets: harness.stores.tickets,
      config: voiceConfig({ mode: 'stream', transfer: { number: '+358290000000' } }),
    });
    /** One `<Connect><Stream>` as Twilio opens it: the prompt's `lines` marks come back only when `played` is true. */
    const turn = async (sid: string, audio: Buffer, lines: number, played: boolean, updates: number) => {
      const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, 'wss://bot.example.com/voice/stream', {});
      const socket = new WebSocket(`ws://127.0.0.1:${voice.port}/voice/stream`, { headers: { 'x-twilio-signature': signature } });
      const marks: string[] = [];
      socket.on('message', (data) => {
        const message = JSON.parse(data.toString()) as { event: string; mark?: { name: string } };
        if (message.event === 'mark' && message.mark) marks.push(message.mark.name);
      });
      await new Promise<void>((resolve, reject) => { socket.once('open', () => resolve()); socket.once('error', reject); });
      socket.send(JSON.stringify({ event: 'start', streamSid: 'MZ9', start: { streamSid: 'MZ9', callSid: sid, customParameters: { callSid: sid } } }));
      while (marks.length < lines) await new Promise((resolve) => setTimeout(resolve, 5));
      if (played) {
        for (const mark of marks) socket.send(JSON.stringify({ event: 'mark', streamSid: 'MZ9', mark: { name: mark } }));
      }
      for (const frame of frames(Buffer.concat([audio, silence(0.5)]))) {
        socket.send(JSON.stringify({ event: 'media', streamSid: 'MZ9', media: { track: 'inbound', payload: frame.toString('base64') } }));
      }
      await api.waitForUpdates(updates);
      socket.close();
    };
    try {
      const sid = callSid(505);
      await voice.post('incoming', { CallSid: sid, From: CALLER });
      await turn(sid, loadAudio('fi-order-status'), 2, true, 1); // heard the greeting, asks for the order
      await turn(sid, loadAudio('fi-order-number'), 1, true, 2); // heard "what is your order number?", says it
      await turn(sid, loadAudio('fi-human'), 2, false, 3); // talks over the order status: "a person, please"

      const record = await harness.engine.getConversation(`voice-${sid}`);
      const ticket = await harness.stores.tickets.get(record?.ticketId ?? '');
      expect(record?.transcript.find((entry) => entry.key === 'order_status.status_shipped')?.interrupted).toBe('barge_in');
      expect(toldIn(ticket!.summary)).toEqual([
        'Kerrotko tilausnumerosi? Se on 5–8 numeroa, ja löydät sen…',
        'Tilauksesi 12345 (WiFi 6 -reititin) on lähetetty. Kuljetuksen hoitaa Posti, ja…',
        'Voinko auttaa vielä jossain muussa?',
      ]);
      expect(ticket!.summary).toContain('"Tilauksesi 12345 (WiFi 6 -reititin) on lähetetty. Kuljetuksen hoitaa Posti, ja…" (asiakas keskeytti); "Voinko auttaa vielä jossain muussa?" (asiakas keskeytti).');
      expect(ticket!.summary).toContain('"Kerrotko tilausnumerosi? Se on 5–8 numeroa, ja löydät sen…";');
    } finally {
      await voice.close();
      await speech.close();
      await tts.close();
      await speechServer.stop();
      await ttsServer.stop();
      await api.close();
      await harness.stores.close();
    }
  });
});
