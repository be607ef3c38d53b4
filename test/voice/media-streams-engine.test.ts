import * as path from 'node:path';
import twilio from 'twilio';
import { grpc } from 'google-gax';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config/load-config';
import { createIntegrations, loadBotFor } from '../../src/server/composition';
import { createScriptHarness } from '../../src/testing/run-conversation-script';
import { createGoogleSpeechToText } from '../../src/speech/google-speech-to-text';
import { createGoogleTextToSpeech } from '../../src/speech/google-text-to-speech';
import { startFakeTtsServer } from './support/fake-tts-server';
import { frames, knownUtterances, loadAudio, silence } from './support/audio-fixtures';
import { startFakeSpeechServer } from './support/fake-speech-server';
import { startFakeTwilioApi } from './support/fake-twilio-api';
import { find, parseTwiml, spokenText } from './support/parse-twiml';
import { AUTH_TOKEN, callSid, startVoiceHarness, voiceConfig } from './support/voice-harness';

const root = path.resolve(__dirname, '..', '..');

/** One utterance over a fresh `<Connect><Stream>`, as Twilio sends it after each reply. */
async function say(port: number, sid: string, audio: Buffer): Promise<WebSocket> {
  const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, 'wss://bot.example.com/voice/stream', {});
  const socket = new WebSocket(`ws://127.0.0.1:${port}/voice/stream`, { headers: { 'x-twilio-signature': signature } });
  await new Promise<void>((resolve, reject) => { socket.once('open', () => resolve()); socket.once('error', reject); });
  socket.send(JSON.stringify({ event: 'start', streamSid: 'MZ9', start: { streamSid: 'MZ9', callSid: sid, customParameters: { callSid: sid } } }));
  for (const frame of frames(Buffer.concat([audio, silence(0.5)]))) {
    socket.send(JSON.stringify({ event: 'media', streamSid: 'MZ9', media: { track: 'inbound', payload: frame.toString('base64') } }));
  }
  return socket;
}

describe('Media Streams call with the real engine, NLU and demo flows', () => {
  it('barge-in: the caller talks over the greeting played over the socket, and the flow takes their words', async () => {
    const config = loadConfig({ ASPA_FLOWS_DIR: path.join(root, 'flows'), ASPA_LOCALES_DIR: path.join(root, 'locales'), ASPA_DATA_DIR: path.join(root, 'data') }, root);
    const harness = createScriptHarness(loadBotFor(config), createIntegrations(config), Date.parse('2026-12-01T10:00:00+02:00'));
    const speechServer = await startFakeSpeechServer(knownUtterances());
    const ttsServer = await startFakeTtsServer(2);
    const local = (port: number) => ({ apiEndpoint: '127.0.0.1', port, sslCreds: grpc.credentials.createInsecure(), universeDomain: 'googleapis.com' });
    const speech = createGoogleSpeechToText({ clientOptions: local(speechServer.port) });
    const tts = createGoogleTextToSpeech({ clientOptions: local(ttsServer.port) });
    const api = await startFakeTwilioApi();
    const cut: string[][] = [];
    const voice = await startVoiceHarness({
      engine: harness.engine, speech, tts, twilioClient: api.client, clock: harness.clock, customers: harness.stores.customers, tickets: harness.stores.tickets,
      onBargeIn: (event) => cut.push(event.cutKeys),
      config: voiceConfig({ mode: 'stream', transfer: { number: '+358290000000' } }),
    });
    try {
      const sid = callSid(211);
      await voice.post('incoming', { CallSid: sid, From: '+358401112299' });
      const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, 'wss://bot.example.com/voice/stream', {});
      const socket = new WebSocket(`ws://127.0.0.1:${voice.port}/voice/stream`, { headers: { 'x-twilio-signature': signature } });
      const events: string[] = [];
      socket.on('message', (data) => events.push((JSON.parse(data.toString()) as { event: string }).event));
      await new Promise<void>((resolve, reject) => { socket.once('open', () => resolve()); socket.once('error', reject); });
      socket.send(JSON.stringify({ event: 'start', streamSid: 'MZ9', start: { streamSid: 'MZ9', callSid: sid, customParameters: { callSid: sid } } }));
      while (events.filter((event) => event === 'mark').length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      for (const frame of frames(Buffer.concat([loadAudio('fi-order-status'), silence(0.5)]))) {
        socket.send(JSON.stringify({ event: 'media', streamSid: 'MZ9', media: { track: 'inbound', payload: frame.toString('base64') } }));
      }
      await api.waitForUpdates(1);
      socket.close();
      expect(events).toContain('clear');
      expect(cut).toEqual([['main.greeting', 'main.how_can_i_help']]);
      const record = await harness.engine.getConversation(`voice-${sid}`);
      expect(record?.state).toBe('order_status.ask_number');
      expect(ttsServer.requests.some((request) => /Kerrotko tilausnumerosi\?.*Se on viidestä kahdeksaan numeroa/.test(request.input.ssml ?? ''))).toBe(true);
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

  it('order status by speech, then a person: the ticket holds the recognised lines with their confidences', async () => {
    const config = loadConfig({ ASPA_FLOWS_DIR: path.join(root, 'flows'), ASPA_LOCALES_DIR: path.join(root, 'locales'), ASPA_DATA_DIR: path.join(root, 'data') }, root);
    const harness = createScriptHarness(loadBotFor(config), createIntegrations(config), Date.parse('2026-12-01T10:00:00+02:00'));
    const speechServer = await startFakeSpeechServer(knownUtterances());
    const speech = createGoogleSpeechToText({
      clientOptions: { apiEndpoint: '127.0.0.1', port: speechServer.port, sslCreds: grpc.credentials.createInsecure(), universeDomain: 'googleapis.com' },
    });
    const api = await startFakeTwilioApi();
    const voice = await startVoiceHarness({
      engine: harness.engine, speech, twilioClient: api.client, clock: harness.clock, customers: harness.stores.customers,
      config: voiceConfig({ mode: 'stream', transfer: { number: '+358290000000' } }),
    });
    try {
      const sid = callSid(201);
      const greeting = await voice.post('incoming', { CallSid: sid, From: '+358401112233' });
      expect(spokenText(greeting.twiml!)).toContain('Revontulen asiakaspalvelubotti');

      // Twilio closes each stream after our call update, so each socket stays open until the reply is out.
      let socket = await say(voice.port, sid, loadAudio('fi-order-status'));
      expect(spokenText(parseTwiml((await api.waitForUpdates(1))[0].twiml!))).toContain('Kerrotko tilausnumerosi?');
      socket.close();

      socket = await say(voice.port, sid, loadAudio('fi-order-number'));
      expect(spokenText(parseTwiml((await api.waitForUpdates(2))[1].twiml!))).toContain('Tilauksesi 1 2 3 4 5');
      socket.close();

      socket = await say(voice.port, sid, loadAudio('fi-human'));
      const transfer = parseTwiml((await api.waitForUpdates(3))[2].twiml!);
      socket.close();
      expect(find(transfer, 'Number').text).toBe('+358290000000');

      const record = await harness.engine.getConversation(`voice-${sid}`);
      expect(record?.ticketId).toMatch(/^ASPA-/);
      expect(record!.transcript.filter((entry) => entry.from === 'customer').map((entry) => [entry.text, entry.sttConfidence]))
        .toEqual([['missä tilaukseni on', 0.91], ['tilausnumero on 12345', 0.88], ['haluan puhua ihmisen kanssa', 0.93]]);
      const ticket = await harness.stores.tickets.get(record!.ticketId!);
      expect(ticket?.transcript.filter((entry) => entry.from === 'customer').map((entry) => entry.text)).toEqual(expect.arrayContaining(['missä tilaukseni on', 'tilausnumero on 12345']));
    } finally {
      await voice.close();
      await speech.close();
      await speechServer.stop();
      await api.close();
      await harness.stores.close();
    }
  });
});
