import twilio from 'twilio';
import { grpc } from 'google-gax';
import WebSocket from 'ws';
import type { BargeInEvent } from '../../src/channels/voice/media-stream';
import { createGoogleSpeechToText } from '../../src/speech/google-speech-to-text';
import { createGoogleTextToSpeech } from '../../src/speech/google-text-to-speech';
import type { SpeechToText } from '../../src/speech/speech-to-text';
import type { TextToSpeech } from '../../src/speech/text-to-speech';
import { frames, knownUtterances, loadAudio, silence } from './support/audio-fixtures';
import { createFakeEngine } from './support/fake-engine';
import { startFakeSpeechServer, type FakeSpeechServer } from './support/fake-speech-server';
import { startFakeTtsServer, type FakeTtsServer } from './support/fake-tts-server';
import { startFakeTwilioApi, type FakeTwilioApi } from './support/fake-twilio-api';
import { installLoopbackGuard } from './support/loopback-guard';
import { findAll, parseTwiml, spokenText } from './support/parse-twiml';
import { AUTH_TOKEN, callSid, startVoiceHarness, voiceConfig, type VoiceHarness } from './support/voice-harness';
import type { VoiceConfig } from '../../src/channels/voice/voice-config';

const STREAM_URL = 'wss://bot.example.com/voice/stream';
const insecure = (port: number) => ({ apiEndpoint: '127.0.0.1', port, sslCreds: grpc.credentials.createInsecure(), universeDomain: 'googleapis.com' });

interface TwilioSide {
  socket: WebSocket;
  /** Everything our server sent, parsed. */
  received: Array<{ event: string; streamSid?: string; media?: { payload: string }; mark?: { name: string } }>;
  waitFor(predicate: () => boolean): Promise<void>;
  /** Twilio reports a mark when the audio before it has played. */
  played(name: string): void;
  speak(audio: Buffer): void;
}

/** Plays Twilio's side of a bidirectional `<Connect><Stream>`: it records our media/mark/clear and sends caller audio. */
async function connect(harness: VoiceHarness, sid: string): Promise<TwilioSide> {
  const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, STREAM_URL, {});
  const socket = new WebSocket(`ws://127.0.0.1:${harness.port}/voice/stream`, { headers: { 'x-twilio-signature': signature } });
  const received: TwilioSide['received'] = [];
  const waiters: Array<{ predicate: () => boolean; resolve: () => void }> = [];
  socket.on('message', (data) => {
    received.push(JSON.parse(data.toString()));
    for (const waiter of [...waiters]) if (waiter.predicate()) { waiters.splice(waiters.indexOf(waiter), 1); waiter.resolve(); }
  });
  await new Promise<void>((resolve, reject) => { socket.once('open', () => resolve()); socket.once('error', reject); });
  socket.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
  socket.send(JSON.stringify({ event: 'start', sequenceNumber: '1', streamSid: 'MZ7', start: { streamSid: 'MZ7', callSid: sid, tracks: ['inbound'], customParameters: { callSid: sid } } }));
  return {
    socket,
    received,
    waitFor: (predicate) => (predicate() ? Promise.resolve() : new Promise((resolve) => waiters.push({ predicate, resolve }))),
    played: (name) => socket.send(JSON.stringify({ event: 'mark', streamSid: 'MZ7', mark: { name } })),
    speak(audio) {
      for (const frame of frames(audio)) socket.send(JSON.stringify({ event: 'media', streamSid: 'MZ7', media: { track: 'inbound', payload: frame.toString('base64') } }));
    },
  };
}

const marks = (side: TwilioSide) => side.received.filter((message) => message.event === 'mark').map((message) => message.mark!.name);
const clears = (side: TwilioSide) => side.received.filter((message) => message.event === 'clear');

describe('barge-in on Media Streams (real Google speech and text-to-speech clients against local servers)', () => {
  let speechServer: FakeSpeechServer;
  let ttsServer: FakeTtsServer;
  let speech: SpeechToText;
  let tts: TextToSpeech;
  let api: FakeTwilioApi;
  let harness: VoiceHarness | undefined;
  let bargeIns: BargeInEvent[];
  const guard = installLoopbackGuard();

  beforeEach(async () => {
    speechServer = await startFakeSpeechServer(knownUtterances());
    ttsServer = await startFakeTtsServer(1.5);
    speech = createGoogleSpeechToText({ clientOptions: insecure(speechServer.port) });
    tts = createGoogleTextToSpeech({ clientOptions: insecure(ttsServer.port) });
    api = await startFakeTwilioApi();
    bargeIns = [];
  });
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    await speech.close();
    await tts.close();
    await speechServer.stop();
    await ttsServer.stop();
    await api.close();
  });
  afterAll(() => {
    guard.restore();
    expect(guard.targets.filter((target) => !/^(dns:)?127\.0\.0\.1(:|$)/.test(target))).toEqual([]);
  });

  async function start(engine = createFakeEngine(), config: Partial<VoiceConfig> = {}) {
    harness = await startVoiceHarness({
      engine, speech, tts, twilioClient: api.client, onBargeIn: (event) => bargeIns.push(event),
      config: voiceConfig({ mode: 'stream', transfer: { number: '+358290000000' }, ...config }),
    });
    return { engine, harness };
  }

  it('plays the greeting over the socket; the caller talks over it: clear, then their words are the turn', async () => {
    const { engine, harness: voice } = await start();
    const sid = callSid(301);
    const answer = await voice.post('incoming', { CallSid: sid, From: '+358401234567' });
    // No <Say>: the prompt is ours to play (and to stop) on the bidirectional stream.
    expect(findAll(answer.twiml!, 'Say')).toHaveLength(0);
    expect(findAll(answer.twiml!, 'Stream')[0].attributes.url).toBe(STREAM_URL);

    const twilioSide = await connect(voice, sid);
    await twilioSide.waitFor(() => marks(twilioSide).length === 2);
    const media = twilioSide.received.filter((message) => message.event === 'media');
    expect(media.length).toBe(2 * 75); // two lines of 1.5 s in 20 ms frames
    expect(media.every((message) => message.streamSid === 'MZ7' && Buffer.from(message.media!.payload, 'base64').length === 160)).toBe(true);
    expect(Buffer.from(media[0].media!.payload, 'base64').toString('latin1', 0, 4)).not.toBe('RIFF'); // the WAV header is gone
    // Synthesis started when the TwiML was answered; the socket found both lines ready (no second request).
    expect(ttsServer.requests).toHaveLength(2);
    expect(ttsServer.requests[0]).toMatchObject({
      input: { ssml: '<speak>Hei! <break time="250ms"/> Olen Revontulen asiakaspalvelubotti.</speak>' },
      voice: { languageCode: 'fi-FI', name: 'fi-FI-Wavenet-A' },
      audioConfig: { audioEncoding: 'MULAW', sampleRateHertz: 8000 },
    });

    // Twilio is still playing (no mark came back) when the caller starts to talk.
    twilioSide.speak(Buffer.concat([loadAudio('fi-order-status'), silence(0.5)]));
    await twilioSide.waitFor(() => clears(twilioSide).length === 1);
    expect(clears(twilioSide)[0]).toEqual({ event: 'clear', streamSid: 'MZ7' });
    expect(bargeIns).toHaveLength(1);
    expect(bargeIns[0]).toMatchObject({ callSid: sid, trigger: 'interim', cutKeys: ['fake.greeting', 'fake.how'] });
    expect(bargeIns[0].reactionMs).toBeLessThan(300);

    const [update] = await api.waitForUpdates(1);
    expect(engine.turns[1].input).toEqual({ kind: 'text', text: 'missä tilaukseni on', sttConfidence: 0.91 });
    const reply = parseTwiml(update.twiml!);
    expect(findAll(reply, 'Say')).toHaveLength(0);
    expect(findAll(reply, 'Stream')).toHaveLength(1);
    twilioSide.socket.close();

    // The next stream plays the reply, which the caller can again interrupt.
    const next = await connect(voice, sid);
    await next.waitFor(() => marks(next).length === 1);
    expect(ttsServer.requests.map((request) => request.input.ssml)).toContain('<speak>Kerrotko tilausnumerosi?</speak>');
    next.socket.close();
  });

  it('never cuts a line a flow state marked barge_in: false; the caller is heard once it has played', async () => {
    const { engine, harness: voice } = await start(createFakeEngine({ fixedGreeting: true }));
    const sid = callSid(302);
    await voice.post('incoming', { CallSid: sid, From: '+358401234567' });
    const twilioSide = await connect(voice, sid);
    await twilioSide.waitFor(() => marks(twilioSide).length === 2);
    twilioSide.speak(Buffer.concat([loadAudio('fi-order-status'), silence(0.5)]));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(speechServer.streams[0].finals).toEqual(['missä tilaukseni on']);
    expect(clears(twilioSide)).toHaveLength(0);
    expect(api.updates).toHaveLength(0); // a call update now would cut the greeting

    // The fixed greeting has played: the rest ("Miten voin auttaa?") may go, and the caller's words are taken.
    twilioSide.played(marks(twilioSide)[0]);
    await api.waitForUpdates(1);
    expect(clears(twilioSide)).toHaveLength(1);
    expect(engine.turns[1].input).toMatchObject({ kind: 'text', text: 'missä tilaukseni on' });
    twilioSide.socket.close();
  });

  it('with barge-in off for the line, prompts play to the end and silence is counted only after them', async () => {
    const { harness: voice } = await start(createFakeEngine(), { bargeIn: { enabled: false, minStability: 0.3, onVoiceActivity: false } });
    const sid = callSid(303);
    await voice.post('incoming', { CallSid: sid, From: '+358401234567' });
    const twilioSide = await connect(voice, sid);
    await twilioSide.waitFor(() => marks(twilioSide).length === 2);
    // 6 s of silence while Twilio still plays is not a no-input: the prompt has not ended.
    twilioSide.speak(silence(6));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(api.updates).toHaveLength(0);
    for (const name of marks(twilioSide)) twilioSide.played(name);
    twilioSide.speak(silence(5.2));
    const [reprompt] = await api.waitForUpdates(1);
    expect(spokenText(parseTwiml(reprompt.twiml!))).toBe('');
    expect(clears(twilioSide)).toHaveLength(0);
    twilioSide.socket.close();
    const next = await connect(voice, sid);
    await next.waitFor(() => marks(next).length === 1);
    expect(ttsServer.requests.at(-1)?.input.ssml).toBe('<speak>Anteeksi, en kuullut. <break time="250ms"/> Miten voin auttaa?</speak>');
    next.socket.close();
  });

  it('a keypress during the prompt clears it and is taken as the choice', async () => {
    const { engine, harness: voice } = await start();
    const sid = callSid(304);
    await voice.post('incoming', { CallSid: sid, From: '+358401234567' });
    const twilioSide = await connect(voice, sid);
    await twilioSide.waitFor(() => marks(twilioSide).length === 2);
    twilioSide.socket.send(JSON.stringify({ event: 'dtmf', streamSid: 'MZ7', dtmf: { track: 'inbound_track', digit: '1' } }));
    await api.waitForUpdates(1);
    expect(clears(twilioSide)).toHaveLength(1);
    expect(bargeIns[0].trigger).toBe('dtmf');
    expect(engine.turns[1].input).toEqual({ kind: 'payload', payload: 'order_status', text: 'Tilauksen tila' });
    twilioSide.socket.close();
  });
});
