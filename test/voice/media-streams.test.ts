import twilio from 'twilio';
import { grpc } from 'google-gax';
import WebSocket from 'ws';
import { createGoogleSpeechToText } from '../../src/speech/google-speech-to-text';
import type { SpeechToText } from '../../src/speech/speech-to-text';
import { frames, knownUtterances, loadAudio, silence } from './support/audio-fixtures';
import { createFakeEngine } from './support/fake-engine';
import { startFakeSpeechServer, type FakeSpeechServer } from './support/fake-speech-server';
import { startFakeTwilioApi, type FakeTwilioApi } from './support/fake-twilio-api';
import { find, parseTwiml, spokenText } from './support/parse-twiml';
import { AUTH_TOKEN, callSid, startVoiceHarness, voiceConfig, type VoiceHarness } from './support/voice-harness';

const STREAM_URL = 'wss://bot.example.com/voice/stream';

/** Plays the Twilio side of one `<Connect><Stream>`: connected, start, μ-law media frames, optional dtmf/stop. */
async function openStream(harness: VoiceHarness, sid: string, options: { signature?: string } = {}): Promise<WebSocket> {
  const signature = options.signature ?? twilio.getExpectedTwilioSignature(AUTH_TOKEN, STREAM_URL, {});
  const socket = new WebSocket(`ws://127.0.0.1:${harness.port}/voice/stream`, { headers: { 'x-twilio-signature': signature } });
  await new Promise<void>((resolve, reject) => { socket.once('open', () => resolve()); socket.once('error', reject); socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`))); });
  socket.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
  socket.send(JSON.stringify({
    event: 'start', sequenceNumber: '1', streamSid: 'MZ1',
    start: { streamSid: 'MZ1', accountSid: `AC${'0'.repeat(32)}`, callSid: sid, tracks: ['inbound'], customParameters: { callSid: sid }, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } },
  }));
  return socket;
}

function sendAudio(socket: WebSocket, audio: Buffer): void {
  let chunk = 0;
  for (const frame of frames(audio)) {
    chunk += 1;
    socket.send(JSON.stringify({ event: 'media', streamSid: 'MZ1', media: { track: 'inbound', chunk: String(chunk), timestamp: String(chunk * 20), payload: frame.toString('base64') } }));
  }
}

describe('voice channel: Media Streams with Google speech-to-text', () => {
  let speechServer: FakeSpeechServer;
  let speech: SpeechToText;
  let api: FakeTwilioApi;
  let harness: VoiceHarness;
  let engine: ReturnType<typeof createFakeEngine>;

  beforeEach(async () => {
    speechServer = await startFakeSpeechServer(knownUtterances());
    speech = createGoogleSpeechToText({
      clientOptions: { apiEndpoint: '127.0.0.1', port: speechServer.port, sslCreds: grpc.credentials.createInsecure(), universeDomain: 'googleapis.com' },
    });
    api = await startFakeTwilioApi();
    engine = createFakeEngine();
    harness = await startVoiceHarness({
      engine, speech, twilioClient: api.client,
      config: voiceConfig({ mode: 'stream', speechModels: { fi: 'latest_short' }, transfer: { sip: 'sip:agents@pbx.example.com' } }),
    });
  });
  afterEach(async () => {
    await harness.close();
    await speech.close();
    await speechServer.stop();
    await api.close();
  });

  it('greets, hears the caller through the stream, and speaks each reply by updating the live call', async () => {
    const sid = callSid(101);
    const greeting = await harness.post('incoming', { CallSid: sid, From: '+358401234567' });
    expect(spokenText(greeting.twiml!)).toContain('Hei! Olen Revontulen asiakaspalvelubotti.');
    const connect = find(greeting.twiml!, 'Connect');
    expect(connect.attributes.action).toBe(`https://bot.example.com/voice/stream-ended?c=${sid}&t=1`);
    expect(find(connect, 'Stream').attributes.url).toBe(STREAM_URL);

    const first = await openStream(harness, sid);
    sendAudio(first, Buffer.concat([silence(0.3), loadAudio('fi-order-status'), silence(0.5)]));
    const [update] = await api.waitForUpdates(1);
    expect(update.callSid).toBe(sid);
    expect(update.authorization).toBe(`Basic ${Buffer.from(`AC${'0'.repeat(32)}:api-token`).toString('base64')}`);
    const reply = parseTwiml(update.twiml!);
    expect(spokenText(reply)).toBe('Kerrotko tilausnumerosi?');
    expect(find(reply, 'Say').attributes).toEqual({ language: 'fi-FI', voice: 'Polly.Suvi-Neural' });
    expect(find(reply, 'Stream').attributes.url).toBe(STREAM_URL);
    expect(engine.turns[1]).toMatchObject({ input: { kind: 'text', text: 'missä tilaukseni on', sttConfidence: 0.91 }, clientMessageId: `${sid}:2` });
    const config = speechServer.streams[0].config as { config: Record<string, unknown> };
    expect(config.config).toMatchObject({ languageCode: 'fi-FI', model: 'latest_short', encoding: 'MULAW', sampleRateHertz: 8000 });
    first.close();

    // Twilio opens a new stream for the next <Connect>; the hints now ask for a digit sequence.
    const second = await openStream(harness, sid);
    sendAudio(second, Buffer.concat([loadAudio('fi-order-number'), silence(0.5)]));
    const updates = await api.waitForUpdates(2);
    expect(spokenText(parseTwiml(updates[1].twiml!))).toContain('Tilauksesi 1 2 3 4 5 on lähetetty.');
    expect((speechServer.streams[1].config as { config: { speechContexts: Array<{ phrases: string[] }> } }).config.speechContexts[0].phrases)
      .toContain('$OOV_CLASS_DIGIT_SEQUENCE');
    second.close();

    // "A human, please" → the ticket is made and the call goes to the SIP target with the ticket id.
    const third = await openStream(harness, sid);
    sendAudio(third, Buffer.concat([loadAudio('fi-human'), silence(0.5)]));
    const all = await api.waitForUpdates(3);
    expect(find(parseTwiml(all[2].twiml!), 'Sip').text).toContain('X-Ticket-Id=ASPA-000001');
    third.close();
  });

  it('takes a keypad press from the stream and treats a long silence as no input', async () => {
    const sid = callSid(102);
    await harness.post('incoming', { CallSid: sid, From: '+358401234567' });
    const socket = await openStream(harness, sid);
    sendAudio(socket, silence(5.2)); // noInputTimeoutSeconds of audio without speech
    const [reprompt] = await api.waitForUpdates(1);
    expect(spokenText(parseTwiml(reprompt.twiml!))).toBe('Anteeksi, en kuullut. Miten voin auttaa?');
    socket.close();
    const next = await openStream(harness, sid);
    next.send(JSON.stringify({ event: 'dtmf', streamSid: 'MZ1', sequenceNumber: '5', dtmf: { track: 'inbound_track', digit: '1' } }));
    const updates = await api.waitForUpdates(2);
    expect(engine.turns[1].input).toEqual({ kind: 'payload', payload: 'order_status', text: 'Tilauksen tila' });
    expect(spokenText(parseTwiml(updates[1].twiml!))).toBe('Kerrotko tilausnumerosi?');
    next.close();
  });

  it('survives a dropped WebSocket: the call listens again, and garbage frames are ignored', async () => {
    const sid = callSid(103);
    await harness.post('incoming', { CallSid: sid, From: '+358401234567' });
    const socket = await openStream(harness, sid);
    socket.send('not json');
    socket.send(JSON.stringify({ event: 'media', media: { payload: 12 } }));
    socket.terminate(); // no stop message, no close frame
    const again = await harness.post(`stream-ended?c=${sid}&t=1`, { CallSid: sid });
    expect(find(again.twiml!, 'Stream').attributes.url).toBe(STREAM_URL);
    const next = await openStream(harness, sid);
    sendAudio(next, Buffer.concat([loadAudio('fi-order-status'), silence(0.5)]));
    const [update] = await api.waitForUpdates(1);
    expect(spokenText(parseTwiml(update.twiml!))).toBe('Kerrotko tilausnumerosi?');
    next.close();
  });

  it('refuses a stream upgrade without a valid signature for the wss:// URL', async () => {
    const httpsSignature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, 'https://bot.example.com/voice/stream', {});
    await expect(openStream(harness, callSid(104), { signature: httpsSignature })).rejects.toThrow('HTTP 403');
    await expect(openStream(harness, callSid(104), { signature: 'x' })).rejects.toThrow('HTTP 403');
  });

  it('sends a long reply by redirect when inline TwiML would pass the 4000-character limit', async () => {
    await harness.close();
    harness = await startVoiceHarness({
      engine, speech, twilioClient: api.client,
      config: voiceConfig({ mode: 'stream', maxInlineTwimlChars: 200 }),
    });
    const sid = callSid(105);
    await harness.post('incoming', { CallSid: sid, From: '+358401234567' });
    const socket = await openStream(harness, sid);
    sendAudio(socket, Buffer.concat([loadAudio('fi-order-status'), silence(0.5)]));
    const [update] = await api.waitForUpdates(1);
    const redirect = find(parseTwiml(update.twiml!), 'Redirect');
    expect(redirect.text).toBe(`https://bot.example.com/voice/next?c=${sid}&t=2`);
    const fetched = await harness.post(`next?c=${sid}&t=2`, { CallSid: sid });
    expect(spokenText(fetched.twiml!)).toBe('Kerrotko tilausnumerosi?');
    socket.close();
  });
});
