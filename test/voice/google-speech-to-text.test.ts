import { grpc } from 'google-gax';
import * as grpcJs from '@grpc/grpc-js';
import { createGoogleSpeechToText, type SpeechLogger } from '../../src/speech/google-speech-to-text';
import type { SpeechResult, SpeechToText } from '../../src/speech/speech-to-text';
import { startFakeSpeechServer, type FakeSpeechServer } from './support/fake-speech-server';
import { frames, knownUtterances, loadAudio, silence } from './support/audio-fixtures';
import { installLoopbackGuard } from './support/loopback-guard';

/** The real `v1.SpeechClient`, always with the local endpoint options: nothing leaves loopback. */
function localSpeech(port: number, extra: { reopenAfterSeconds?: number; logger?: SpeechLogger } = {}): SpeechToText {
  return createGoogleSpeechToText({
    clientOptions: { apiEndpoint: '127.0.0.1', port, sslCreds: grpc.credentials.createInsecure(), universeDomain: 'googleapis.com' },
    ...extra,
  });
}

function collect(stream: ReturnType<SpeechToText['startStream']>) {
  const finals: SpeechResult[] = [];
  const interims: SpeechResult[] = [];
  const errors: Error[] = [];
  stream.on('final', (result) => finals.push(result));
  stream.on('interim', (result) => interims.push(result));
  stream.on('error', (error) => errors.push(error));
  return { finals, interims, errors };
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error('condition not reached');
}

describe('Google speech-to-text adapter against a local StreamingRecognize server', () => {
  let server: FakeSpeechServer;
  let speech: SpeechToText;
  let guard: ReturnType<typeof installLoopbackGuard>;

  beforeEach(async () => {
    guard = installLoopbackGuard();
    server = await startFakeSpeechServer(knownUtterances());
    speech = localSpeech(server.port);
  });
  afterEach(async () => {
    await speech.close();
    await server.stop();
    guard.restore();
    // The client never looked for the cloud metadata server or any other host.
    expect(guard.targets.length).toBeGreaterThan(0);
    expect(guard.targets.filter((target) => !/^(dns:)?(127\.0\.0\.1|localhost)(:\d+)?$/.test(target))).toEqual([]);
  });

  it('streams μ-law audio with language, model and phrase hints, and returns interim and final results', async () => {
    const stream = speech.startStream({ languageCode: 'fi-FI', hints: ['tilaus', '$OOV_CLASS_DIGIT_SEQUENCE'], model: 'latest_short', sampleRateHertz: 8000, encoding: 'MULAW' });
    const seen = collect(stream);
    for (const frame of frames(loadAudio('fi-order-status'))) stream.write(frame);
    for (const frame of frames(silence(0.5))) stream.write(frame);
    await waitFor(() => seen.finals.length === 1);
    expect(seen.finals[0]).toEqual({ transcript: 'missä tilaukseni on', confidence: 0.91, isFinal: true });
    expect(seen.interims[0].transcript).toBe('missä');
    const config = server.streams[0].config as { config: Record<string, unknown>; interimResults: boolean };
    expect(config.interimResults).toBe(true);
    expect(config.config).toMatchObject({
      encoding: 'MULAW', sampleRateHertz: 8000, languageCode: 'fi-FI', model: 'latest_short',
      speechContexts: [{ phrases: ['tilaus', '$OOV_CLASS_DIGIT_SEQUENCE'], boost: 15 }],
    });
    stream.close();
  });

  it('reopens the recognition stream when the server reports the stream limit (OUT_OF_RANGE)', async () => {
    server.failNext(grpcJs.status.OUT_OF_RANGE, 'Exceeded maximum allowed stream duration of 305 seconds.', 800);
    const events: string[] = [];
    await speech.close();
    speech = localSpeech(server.port, { logger: { info: (event) => events.push(event), warn: (event) => events.push(event) } });
    const stream = speech.startStream({ languageCode: 'sv-SE', hints: [], sampleRateHertz: 8000, encoding: 'MULAW' });
    const seen = collect(stream);
    for (const frame of frames(silence(0.2))) stream.write(frame);
    await waitFor(() => events.includes('speech.google.stream.reopen_out_of_range'));
    for (const frame of frames(Buffer.concat([loadAudio('sv-order-status'), silence(0.5)]))) stream.write(frame);
    await waitFor(() => seen.finals.length === 1);
    expect(seen.finals[0].transcript).toBe('var är min beställning');
    expect(server.streams.length).toBe(2);
    expect(seen.errors).toEqual([]);
    stream.close();
  });

  it('falls back to no model when the model is refused for the language (INVALID_ARGUMENT)', async () => {
    server.failNext(grpcJs.status.INVALID_ARGUMENT, 'The requested model is currently not supported for language : fi-FI.', 1);
    const stream = speech.startStream({ languageCode: 'fi-FI', hints: [], model: 'phone_call', sampleRateHertz: 8000, encoding: 'MULAW' });
    const seen = collect(stream);
    stream.write(loadAudio('fi-human').subarray(0, 400));
    await waitFor(() => server.streams.length === 2);
    for (const frame of frames(Buffer.concat([loadAudio('fi-human').subarray(400), silence(0.5)]))) stream.write(frame);
    await waitFor(() => seen.finals.length === 1);
    expect(seen.finals[0].transcript).toBe('haluan puhua ihmisen kanssa');
    expect((server.streams[1].config as { config: Record<string, unknown> }).config.model).toBe('');
    stream.close();
  });

  it('reopens before the limit by counting audio, so a long call never hits it', async () => {
    await speech.close();
    speech = localSpeech(server.port, { reopenAfterSeconds: 1 });
    const stream = speech.startStream({ languageCode: 'en-US', hints: [], sampleRateHertz: 8000, encoding: 'MULAW' });
    const seen = collect(stream);
    for (const frame of frames(silence(1.5))) stream.write(frame);
    for (const frame of frames(Buffer.concat([loadAudio('en-order-status'), silence(0.5)]))) stream.write(frame);
    await waitFor(() => seen.finals.length === 1);
    expect(seen.finals[0].transcript).toBe('where is my order');
    expect(server.streams.length).toBeGreaterThanOrEqual(2);
    stream.end();
  });

  it('reports other failures as an error event instead of throwing', async () => {
    server.failNext(grpcJs.status.PERMISSION_DENIED, 'no', 1);
    const stream = speech.startStream({ languageCode: 'fi-FI', hints: [], sampleRateHertz: 8000, encoding: 'MULAW' });
    const seen = collect(stream);
    stream.write(silence(0.1));
    await waitFor(() => seen.errors.length === 1);
    expect(seen.errors[0].message).toContain('Google speech-to-text stream failed (7)');
    stream.close();
  });
});
