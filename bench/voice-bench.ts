/**
 * Voice latency: the time from Twilio's Gather result (the final transcript) to the TwiML answer, measured
 * per request through the real voice router (body parsing, signature check, call state, engine with NLU and the
 * demo flows, memory stores, TwiML rendering). The server-side time (request in → response handed to the
 * socket) is the number that counts; the loopback round trip as the client sees it is printed too, since on a
 * busy machine the HTTP client adds more than the server. Target (DESIGN.md): p99 < 50 ms.
 *
 *   npm run bench:voice            (TURNS=5000 npm run bench:voice for a longer run)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import express from 'express';
import twilio from 'twilio';
import { createVoiceChannel } from '../src/channels/voice/voice-channel';
import { defaultVoiceConfig } from '../src/channels/voice/voice-config';
import { loadConfig } from '../src/config/load-config';
import { createIntegrations, loadBotFor } from '../src/server/composition';
import { createScriptHarness } from '../src/testing/run-conversation-script';

const TOKEN = 'bench-token';
const PUBLIC_URL = 'https://bench.example.com';
const TURNS = Math.max(2000, Number(process.env.TURNS ?? 2000));
const UTTERANCES = ['missä tilaukseni on', 'se on 12345', 'missä tilaukseni on', '12345', 'mitkä ovat aukioloajat', 'kyllä', 'laskussani on virhe', 'veloititte kahdesti'];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..');
  const config = loadConfig({ ASPA_FLOWS_DIR: path.join(root, 'flows'), ASPA_LOCALES_DIR: path.join(root, 'locales'), ASPA_DATA_DIR: path.join(root, 'data'), LOG_LEVEL: 'silent' }, root);
  const harness = createScriptHarness(loadBotFor(config), createIntegrations(config), Date.parse('2026-12-01T10:00:00+02:00'));
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
  await channel.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await harness.stores.close();
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exitCode = 1;
});
