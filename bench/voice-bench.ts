/**
 * Voice latency: the time from Twilio's Gather result (the final transcript) to the TwiML answer, measured
 * per request through the real voice router (body parsing, signature check, call state, engine with NLU and the
 * demo flows, memory stores, TwiML rendering). The server-side time (request in → response handed to the
 * socket) is the number that counts; the loopback round trip as the client sees it is printed too, since on a
 * busy machine the HTTP client adds more than the server. Target (DESIGN.md): p99 < 50 ms.
 *
 * Then barge-in in the Media Streams path: calls whose greeting is played over the socket (the real Google
 * text-to-speech and speech-to-text clients against local gRPC servers) while the caller starts talking. The
 * reaction time is measured in the server from the interim speech result arriving to Twilio's `clear` sent
 * (target < 300 ms), and on the Twilio side from the caller's audio sent to `clear` received (includes the recogniser round trip).
 *
 * And the NLU alone on the same utterances: the most that pre-warming it on a partial result (Gather's
 * `partialResultCallback`, interim results in streams) could take off final transcript → TwiML.
 *
 *   npm run bench:voice            (TURNS=5000 BARGE_INS=500 npm run bench:voice for a longer run)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import express from 'express';
import { grpc } from 'google-gax';
import twilio from 'twilio';
import WebSocket from 'ws';
import { createGoogleSpeechToText } from '../src/speech/google-speech-to-text';
import { createGoogleTextToSpeech } from '../src/speech/google-text-to-speech';
import { frames, knownUtterances, loadAudio, silence } from '../test/voice/support/audio-fixtures';
import { startFakeSpeechServer } from '../test/voice/support/fake-speech-server';
import { startFakeTtsServer } from '../test/voice/support/fake-tts-server';
import { startFakeTwilioApi } from '../test/voice/support/fake-twilio-api';
import { createVoiceChannel } from '../src/channels/voice/voice-channel';
import { defaultVoiceConfig } from '../src/channels/voice/voice-config';
import { loadConfig } from '../src/config/load-config';
import { createIntegrations, loadBotFor } from '../src/server/composition';
import { createScriptHarness } from '../src/testing/run-conversation-script';

const TOKEN = 'bench-token';
const PUBLIC_URL = 'https://bench.example.com';
const TURNS = Math.max(2000, Number(process.env.TURNS ?? 2000));
const BARGE_INS = Math.max(50, Number(process.env.BARGE_INS ?? 200));
const UTTERANCES = ['missä tilaukseni on', 'se on 12345', 'missä tilaukseni on', '12345', 'mitkä ovat aukioloajat', 'kyllä', 'laskussani on virhe', 'veloititte kahdesti'];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main(): Promise<void> {
  process.env.METADATA_SERVER_DETECTION = 'none'; // the Google clients must never look for the cloud
  const root = path.resolve(__dirname, '..');
  const config = loadConfig({ ASPA_FLOWS_DIR: path.join(root, 'flows'), ASPA_LOCALES_DIR: path.join(root, 'locales'), ASPA_DATA_DIR: path.join(root, 'data'), LOG_LEVEL: 'silent' }, root);
  const loaded = loadBotFor(config);
  const harness = createScriptHarness(loaded, createIntegrations(config), Date.parse('2026-12-01T10:00:00+02:00'));
  const channel = createVoiceChannel({
    engine: harness.engine,
    clock: harness.clock,
    customers: harness.stores.customers,
    config: { ...defaultVoiceConfig, authToken: TOKEN, publicUrl: PUBLIC_URL, transfer: { number: '+358290000000' } },
  });
  const serverSide: number[] = [];
  const app = express();
  app.use((req, res, next) => {
    const arrived = process.hrtime.bigint();
    const isGather = req.path === '/voice/gather';
    res.on('finish', () => {
      if (isGather) serverSide.push(Number(process.hrtime.bigint() - arrived) / 1e6);
    });
    next();
  });
  app.use('/voice', channel.router);
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const post = async (pathAndQuery: string, params: Record<string, string>): Promise<string> => {
    const signature = twilio.getExpectedTwilioSignature(TOKEN, PUBLIC_URL + pathAndQuery, params);
    const response = await fetch(base + pathAndQuery, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(params).toString(),
    });
    const body = await response.text();
    if (response.status !== 200) throw new Error(`${pathAndQuery}: HTTP ${response.status} ${body}`);
    return body;
  };
  const actionOf = (twiml: string): string | undefined => {
    const action = /<Gather[^>]*action="([^"]+)"/.exec(twiml)?.[1]?.replace(/&amp;/g, '&');
    return action ? new URL(action).pathname + new URL(action).search : undefined;
  };

  const samples: number[] = [];
  let call = 0;
  const started = process.hrtime.bigint();
  while (samples.length < TURNS) {
    call += 1;
    const callSid = `CA${call.toString(16).padStart(32, '0')}`;
    let twiml = await post('/voice/incoming', { CallSid: callSid, From: `+35840${String(call).padStart(7, '0')}` });
    if (!actionOf(twiml)) throw new Error(`the call was not answered with a Gather: ${twiml}`);
    for (let turn = 0; turn < 10 && samples.length < TURNS; turn++) {
      const action = actionOf(twiml);
      if (!action) break;
      const params = { CallSid: callSid, SpeechResult: UTTERANCES[turn % UTTERANCES.length], Confidence: '0.9' };
      const before = process.hrtime.bigint();
      twiml = await post(action, params);
      samples.push(Number(process.hrtime.bigint() - before) / 1e6);
    }
    harness.clock.advance(1000);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const line = (label: string, values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    return `${label}: p50 ${percentile(sorted, 50).toFixed(2)} ms, p90 ${percentile(sorted, 90).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms, max ${sorted[sorted.length - 1].toFixed(2)} ms, mean ${mean.toFixed(2)} ms`;
  };
  const p99 = percentile([...serverSide].sort((a, b) => a - b), 99);
  console.log(`voice bench: ${samples.length} Gather turns in ${call} calls (signed webhooks, real engine + NLU + demo flows, memory stores)`);
  console.log(line('final transcript → TwiML (server side)', serverSide));
  console.log(line('loopback round trip (client side)     ', samples));
  console.log(`throughput: ${(samples.length / seconds).toFixed(0)} turns/s, one caller at a time; target p99 < 50 ms (server side): ${p99 < 50 ? 'met' : 'NOT met'}`);
  const nluTimes: number[] = [];
  for (let run = 0; run < serverSide.length; run++) {
    const before = process.hrtime.bigint();
    loaded.nlu.understand(UTTERANCES[run % UTTERANCES.length], { locale: 'fi', now: harness.clock.now() });
    nluTimes.push(Number(process.hrtime.bigint() - before) / 1e6);
  }
  const serverMedian = percentile([...serverSide].sort((a, b) => a - b), 50);
  const nluMedian = percentile([...nluTimes].sort((a, b) => a - b), 50);
  console.log(line('NLU alone, same utterances (the most a partial-result pre-warm could skip)', nluTimes));
  console.log(`partial results: pre-warming the NLU could save at most ${nluMedian.toFixed(3)} ms of the ${serverMedian.toFixed(2)} ms median turn (${((nluMedian / serverMedian) * 100).toFixed(1)} %)`);
  await channel.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await harness.stores.close();

  await benchBargeIn(line, root);
}

/** Barge-in reaction in the stream path: greeting played over the socket, the caller talks over it. */
async function benchBargeIn(line: (label: string, values: number[]) => string, root: string): Promise<void> {
  const config = loadConfig({ ASPA_FLOWS_DIR: path.join(root, 'flows'), ASPA_LOCALES_DIR: path.join(root, 'locales'), ASPA_DATA_DIR: path.join(root, 'data'), LOG_LEVEL: 'silent' }, root);
  const harness = createScriptHarness(loadBotFor(config), createIntegrations(config), Date.parse('2026-12-01T10:00:00+02:00'));
  const speechServer = await startFakeSpeechServer(knownUtterances());
  const ttsServer = await startFakeTtsServer(1.5);
  const local = (port: number) => ({ apiEndpoint: '127.0.0.1', port, sslCreds: grpc.credentials.createInsecure(), universeDomain: 'googleapis.com' });
  const speech = createGoogleSpeechToText({ clientOptions: local(speechServer.port) });
  const tts = createGoogleTextToSpeech({ clientOptions: local(ttsServer.port) });
  const api = await startFakeTwilioApi();
  const serverSide: number[] = [];
  const channel = createVoiceChannel({
    engine: harness.engine, clock: harness.clock, speech, tts, twilioClient: api.client, onBargeIn: (event) => serverSide.push(event.reactionMs),
    config: { ...defaultVoiceConfig, authToken: TOKEN, publicUrl: PUBLIC_URL, mode: 'stream', transfer: { number: '+358290000000' } },
  });
  const app = express();
  app.use('/voice', channel.router);
  const server = http.createServer(app);
  server.on('upgrade', (request, socket, head) => { if (!channel.handleUpgrade(request, socket, head)) socket.destroy(); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const utterance = frames(Buffer.concat([loadAudio('fi-order-status'), silence(0.5)])).map((frame) => JSON.stringify({ event: 'media', streamSid: 'MZ1', media: { track: 'inbound', payload: frame.toString('base64') } }));
  const streamSignature = twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC_URL.replace(/^http/, 'ws')}/voice/stream`, {});
  const clientSide: number[] = [];
  for (let call = 1; call <= BARGE_INS; call += 1) {
    const callSid = `CA${(0xb000000 + call).toString(16).padStart(32, '0')}`;
    const params = { CallSid: callSid, From: `+35845${String(call).padStart(7, '0')}` };
    const incoming = await fetch(`http://127.0.0.1:${port}/voice/incoming`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC_URL}/voice/incoming`, params) },
      body: new URLSearchParams(params).toString(),
    });
    await incoming.text();
    const socket = new WebSocket(`ws://127.0.0.1:${port}/voice/stream`, { headers: { 'x-twilio-signature': streamSignature } });
    await new Promise<void>((resolve, reject) => { socket.once('open', () => resolve()); socket.once('error', reject); });
    let marks = 0;
    let sentAt = 0;
    const cleared = new Promise<void>((resolve) => socket.on('message', (data) => {
      const event = (JSON.parse(data.toString()) as { event: string }).event;
      if (event === 'mark') marks += 1;
      if (event === 'clear') { clientSide.push(performance.now() - sentAt); resolve(); }
    }));
    const updates = api.updates.length;
    socket.send(JSON.stringify({ event: 'start', streamSid: 'MZ1', start: { streamSid: 'MZ1', callSid, customParameters: { callSid } } }));
    while (marks < 2) await new Promise((resolve) => setTimeout(resolve, 1));
    for (const frame of utterance) socket.send(frame);
    sentAt = performance.now();
    await cleared;
    await api.waitForUpdates(updates + 1);
    socket.close();
  }
  console.log(`barge-in (stream mode): ${serverSide.length} prompts cut over the Media Streams socket (real Google clients against local gRPC servers)`);
  console.log(line('interim speech result → clear sent (server side)', serverSide));
  console.log(line('caller audio sent → clear received (Twilio side)    ', clientSide));
  const p99 = percentile([...serverSide].sort((a, b) => a - b), 99);
  console.log(`target < 300 ms from speech result to clear (server side p99): ${p99 < 300 ? 'met' : 'NOT met'}`);
  await channel.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await speech.close();
  await tts.close();
  await speechServer.stop();
  await ttsServer.stop();
  await api.close();
  await harness.stores.close();
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exitCode = 1;
});
