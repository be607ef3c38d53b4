import * as path from 'node:path';
import twilio from 'twilio';
import { grpc } from 'google-gax';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config/load-config';
import type { TranscriptEntry } from '../../src/core/transcript';
import { createIntegrations, loadBotFor } from '../../src/server/composition';
import { createGoogleSpeechToText } from '../../src/speech/google-speech-to-text';
import { createGoogleTextToSpeech } from '../../src/speech/google-text-to-speech';
import { createScriptHarness } from '../../src/testing/run-conversation-script';
import { frames, knownUtterances, loadAudio, silence } from './support/audio-fixtures';
import { startFakeSpeechServer } from './support/fake-speech-server';
import { startFakeTtsServer } from './support/fake-tts-server';
import { startFakeTwilioApi } from './support/fake-twilio-api';
import { installLoopbackGuard } from './support/loopback-guard';
import { spokenText } from './support/parse-twiml';
import { actionPath, AUTH_TOKEN, callSid, startVoiceHarness, voiceConfig } from './support/voice-harness';
import type { VoiceConfig } from '../../src/channels/voice/voice-config';

// The transcript (and so the ticket and the agent console) holds what the caller heard: the voice channel's own
// prompts as they were said, and lines cut by barge-in or never played marked as such.
const root = path.resolve(__dirname, '..', '..');
const config = loadConfig({ ASPA_FLOWS_DIR: path.join(root, 'flows'), ASPA_LOCALES_DIR: path.join(root, 'locales'), ASPA_DATA_DIR: path.join(root, 'data') }, root);
const loaded = loadBotFor(config);
const integrations = createIntegrations(config);
const TUESDAY_MORNING = Date.parse('2026-12-01T10:00:00+02:00');
const CALLER = '+358401112244';

const botLines = (transcript: TranscriptEntry[] | undefined) => (transcript ?? []).filter((entry) => entry.from === 'bot');

describe('the transcript of a call records what the caller heard', () => {
  const guard = installLoopbackGuard();
  afterAll(() => {
    guard.restore();
    expect(guard.targets.filter((target) => !/^(dns:)?127\.0\.0\.1(:|$)/.test(target))).toEqual([]);
  });

  async function gatherCall(overrides: Partial<VoiceConfig>) {
    const harness = createScriptHarness(loaded, integrations, TUESDAY_MORNING);
    const voice = await startVoiceHarness({
      engine: harness.engine, clock: harness.clock, customers: harness.stores.customers, tickets: harness.stores.tickets, config: voiceConfig(overrides),
    });
    return { harness, voice, close: async () => { await voice.close(); await harness.stores.close(); } };
  }

  it('Gather: the ticket holds the reprompt and the confirmation question exactly as the TwiML said them', async () => {
    const { harness, voice, close } = await gatherCall({ transfer: { number: '+358290000000' } });
    try {
      const sid = callSid(301);
      const greeting = await voice.post('incoming', { CallSid: sid, From: CALLER });
      const reprompt = await voice.post(actionPath(greeting.twiml), { CallSid: sid });
      const confirm = await voice.post(actionPath(reprompt.twiml), { CallSid: sid, SpeechResult: 'voisinko puhua jonkun asiakaspalvelijan kanssa', Confidence: '0.3' });
      expect(spokenText(confirm.twiml!)).toBe('Kuulinko oikein: voisinko puhua jonkun asiakaspalvelijan kanssa? Sano kyllä tai ei.');
      await voice.post(actionPath(confirm.twiml), { CallSid: sid, SpeechResult: 'kyllä', Confidence: '0.9' });

      const record = await harness.engine.getConversation(`voice-${sid}`);
      expect(record?.ticketId).toMatch(/^ASPA-/);
      const ticket = await harness.stores.tickets.get(record!.ticketId!);
      const lines = botLines(ticket?.transcript);
      expect(lines).toEqual(expect.arrayContaining([
        expect.objectContaining({ from: 'bot', key: 'voice.reprompt', text: spokenText(reprompt.twiml!), channel: 'voice', locale: 'fi' }),
        expect.objectContaining({ from: 'bot', key: 'voice.confirm', text: spokenText(confirm.twiml!), channel: 'voice', locale: 'fi' }),
      ]));
      // In the order they were heard: greeting, reprompt, confirmation, then the customer's confirmed words.
      const keys = ticket!.transcript.map((entry) => entry.key ?? entry.from);
      expect(keys.indexOf('voice.reprompt')).toBeGreaterThan(keys.findIndex((key) => key.startsWith('main.')));
      expect(keys.indexOf('voice.confirm')).toBeGreaterThan(keys.indexOf('voice.reprompt'));
      expect(keys.indexOf('customer')).toBeGreaterThan(keys.indexOf('voice.confirm'));
      // The agent console reads the conversation's transcript: the handoff's confirmation was heard, the line the
      // chat would show next ("you can tell me more meanwhile") was not, as the call went straight to the agent.
      const afterHandoff = botLines(record!.transcript).filter((entry) => entry.key?.startsWith('human.'));
      expect(afterHandoff.map((entry) => [entry.key, entry.interrupted])).toEqual([['human.handoff_created', undefined], ['human.agent_will_join', 'not_played']]);
    } finally {
      await close();
    }
  });

  it('Gather, nobody to put the call through to: the callback line is recorded and the unplayed "connecting you" is marked', async () => {
    const { harness, voice, close } = await gatherCall({ transfer: {} });
    try {
      const sid = callSid(302);
      const greeting = await voice.post('incoming', { CallSid: sid, From: CALLER });
      const end = await voice.post(actionPath(greeting.twiml), { CallSid: sid, SpeechResult: 'voisinko puhua jonkun asiakaspalvelijan kanssa', Confidence: '0.9' });
      const said = spokenText(end.twiml!);
      expect(said).toContain('Asiakaspalvelijaa ei valitettavasti saa nyt puhelimeen.');
      const record = await harness.engine.getConversation(`voice-${sid}`);
      const transcript = record?.transcript ?? [];
      // This turn's lines: after what the caller said.
      const lines = botLines(transcript.slice(transcript.map((entry) => entry.from).lastIndexOf('customer')));
      const callback = lines.find((entry) => entry.key === 'voice.no_agent_callback');
      expect(callback?.text).toMatch(/^Asiakaspalvelijaa ei valitettavasti saa nyt puhelimeen\. Kirjasin asiasi tunnuksella/);
      expect(said).toContain(callback!.text);
      // Every engine line after the handoff is marked as not played; every line without a mark was heard.
      const unplayed = lines.filter((entry) => entry.interrupted === 'not_played');
      expect(unplayed.length).toBeGreaterThan(0);
      for (const entry of lines.filter((line) => !line.interrupted && !line.key?.startsWith('voice.'))) expect(said).toContain(entry.text.slice(0, 20));
      for (const entry of unplayed) expect(said).not.toContain(entry.text.slice(0, 20));
    } finally {
      await close();
    }
  });

  it('Media Streams: a channel prompt the caller talked over is marked in the transcript', async () => {
    const harness = createScriptHarness(loaded, integrations, TUESDAY_MORNING);
    // The recogniser is unsure of "haluan puhua ihmisen kanssa", so the channel asks "Kuulinko oikein…?".
    const utterances = knownUtterances().map((entry) => (entry.transcript.startsWith('haluan puhua') ? { ...entry, confidence: 0.3 } : entry));
    const speechServer = await startFakeSpeechServer(utterances);
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
    const open = async (sid: string) => {
      const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, 'wss://bot.example.com/voice/stream', {});
      const socket = new WebSocket(`ws://127.0.0.1:${voice.port}/voice/stream`, { headers: { 'x-twilio-signature': signature } });
      const marks: string[] = [];
      socket.on('message', (data) => {
        const message = JSON.parse(data.toString()) as { event: string; mark?: { name: string } };
        if (message.event === 'mark' && message.mark) marks.push(message.mark.name);
      });
      await new Promise<void>((resolve, reject) => { socket.once('open', () => resolve()); socket.once('error', reject); });
      socket.send(JSON.stringify({ event: 'start', streamSid: 'MZ8', start: { streamSid: 'MZ8', callSid: sid, customParameters: { callSid: sid } } }));
      const speak = (audio: Buffer) => {
        for (const frame of frames(Buffer.concat([audio, silence(0.5)]))) socket.send(JSON.stringify({ event: 'media', streamSid: 'MZ8', media: { track: 'inbound', payload: frame.toString('base64') } }));
      };
      const marksSent = async (count: number) => { while (marks.length < count) await new Promise((resolve) => setTimeout(resolve, 5)); };
      const played = (name: string) => socket.send(JSON.stringify({ event: 'mark', streamSid: 'MZ8', mark: { name } }));
      return { socket, marks, speak, marksSent, played };
    };
    try {
      const sid = callSid(303);
      await voice.post('incoming', { CallSid: sid, From: CALLER });
      // The greeting plays to the end (Twilio returns its marks), then the caller speaks, unclearly.
      let twilioSide = await open(sid);
      await twilioSide.marksSent(2);
      for (const mark of twilioSide.marks) twilioSide.played(mark);
      twilioSide.speak(loadAudio('fi-human'));
      await api.waitForUpdates(1);
      twilioSide.socket.close();

      // The confirmation question is still playing (its mark not back) when the caller starts over.
      twilioSide = await open(sid);
      await twilioSide.marksSent(1);
      twilioSide.speak(loadAudio('fi-order-status'));
      await api.waitForUpdates(2);
      twilioSide.socket.close();
      expect(cut).toEqual([['voice.confirm']]);

      const record = await harness.engine.getConversation(`voice-${sid}`);
      expect(record?.state).toBe('order_status.ask_number');
      const confirm = botLines(record?.transcript).filter((entry) => entry.key === 'voice.confirm');
      expect(confirm).toEqual([expect.objectContaining({ text: 'Kuulinko oikein: haluan puhua ihmisen kanssa? Sano kyllä tai ei.', channel: 'voice', interrupted: 'barge_in' })]);
      // The greeting was heard in full, so it carries no mark.
      expect(botLines(record?.transcript).filter((entry) => entry.key?.startsWith('main.')).every((entry) => entry.interrupted === undefined)).toBe(true);
      expect(ttsServer.requests.some((request) => (request.input.ssml ?? request.input.text ?? '').includes('Kuulinko oikein'))).toBe(true);
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
