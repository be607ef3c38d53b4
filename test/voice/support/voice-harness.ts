import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import twilio from 'twilio';
import { createVoiceChannel, type VoiceChannel, type VoiceChannelDeps } from '../../../src/channels/voice/voice-channel';
import { defaultVoiceConfig, type VoiceConfig } from '../../../src/channels/voice/voice-config';
import { parseTwiml, type TwimlNode } from './parse-twiml';

export const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';
export const PUBLIC_URL = 'https://bot.example.com';

/** A realistic call id: CA + 32 hex digits. */
export function callSid(n: number): string {
  return `CA${n.toString(16).padStart(32, '0')}`;
}

export function voiceConfig(overrides: Partial<VoiceConfig> = {}): VoiceConfig {
  return { ...defaultVoiceConfig, authToken: AUTH_TOKEN, publicUrl: PUBLIC_URL, ...overrides };
}

export interface VoiceHarness {
  channel: VoiceChannel;
  baseUrl: string;
  port: number;
  /** POST a form to `/voice/<path>` signed as Twilio signs it for the public URL. */
  post(path: string, params: Record<string, string>, options?: { signature?: string | null }): Promise<{ status: number; body: string; twiml?: TwimlNode }>;
  close(): Promise<void>;
}

/** An express app with the voice router at /voice and upgrades forwarded, on 127.0.0.1. */
export async function startVoiceHarness(deps: Omit<VoiceChannelDeps, 'config'> & { config?: VoiceConfig }): Promise<VoiceHarness> {
  const channel = createVoiceChannel({ ...deps, config: deps.config ?? voiceConfig() });
  const app = express();
  app.use('/voice', channel.router);
  const server = http.createServer(app);
  server.on('upgrade', (request, socket, head) => {
    if (!channel.handleUpgrade(request, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    channel,
    baseUrl,
    port,
    async post(path, params, options = {}) {
      const publicPath = `/voice/${path.replace(/^\//, '')}`;
      const signature = options.signature === undefined
        ? twilio.getExpectedTwilioSignature(AUTH_TOKEN, PUBLIC_URL + publicPath, params)
        : options.signature;
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
      if (signature !== null) headers['x-twilio-signature'] = signature;
      const response = await fetch(baseUrl + publicPath, { method: 'POST', headers, body: new URLSearchParams(params).toString() });
      const body = await response.text();
      const twiml = response.headers.get('content-type')?.includes('xml') ? parseTwiml(body) : undefined;
      return { status: response.status, body, twiml };
    },
    async close() {
      await channel.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The path and query of a Gather action URL, ready for `post`. */
export function actionPath(twiml: TwimlNode | undefined): string {
  const gather = twiml?.children.find((node) => node.name === 'Gather');
  if (!gather) throw new Error('no <Gather> in the response');
  const url = new URL(gather.attributes.action);
  return url.pathname.replace(/^\/voice\//, '') + url.search;
}
