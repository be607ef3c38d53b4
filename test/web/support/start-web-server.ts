import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import WebSocket from 'ws';
import { createWebChannel, type WebChannel } from '../../../src/channels/web/create-web-channel';
import { DEFAULT_WEB_CONFIG, type WebConfig } from '../../../src/channels/web/web-config';
import { silentLogger } from '../../../src/core/logger';
import type { Clock, Stores } from '../../../src/core/ports';
import type { ConversationEngine } from '../../../src/core/services';
import { createMemoryStores } from '../../../src/stores/memory/create-memory-stores';
import { createFakeEngine } from './fake-engine';

export const AGENT_TOKEN = 'test-agent-token-0123456789';
export const ROOT = path.resolve(__dirname, '../../..');

export interface TestServer {
  baseUrl: string;
  wsUrl: string;
  stores: Stores;
  engine: ConversationEngine;
  channel: WebChannel;
  /** `METHOD url` of each request the widget API's fast path took (the rest went to express). */
  servedByFastPath: string[];
  close(): Promise<void>;
}

/** The web channel on an ephemeral loopback port, with memory stores and (by default) the fake engine. */
export async function startWebServer(options: {
  config?: Partial<WebConfig>; clock?: Clock; engine?: (stores: Stores, clock: Clock) => ConversationEngine; stores?: Stores;
  /** Express `trust proxy` of the app (TRUST_PROXY), so tests can come from other addresses through X-Forwarded-For. */
  trustProxy?: boolean | number | string[];
  /** Leave the stores open on close (another server shares them). */
  keepStores?: boolean;
  /** Serve everything through express, without the widget API's fast path in front (the server does use it). */
  expressOnly?: boolean;
} = {}): Promise<TestServer> {
  const clock = options.clock ?? { now: () => Date.now() };
  const stores = options.stores ?? createMemoryStores({ clock });
  const engine = (options.engine ?? createFakeEngine)(stores, clock);
  const channel = createWebChannel({
    engine, stores, clock, logger: silentLogger, localesDir: path.join(ROOT, 'locales'),
    config: { ...DEFAULT_WEB_CONFIG, agentToken: AGENT_TOKEN, ...options.config },
  });
  const app = express();
  if (options.trustProxy !== undefined) app.set('trust proxy', options.trustProxy);
  app.use(channel.router);
  const servedByFastPath: string[] = [];
  const server = http.createServer(options.expressOnly ? app : (req, res) => {
    if (channel.fastPath(req, res)) servedByFastPath.push(`${req.method} ${req.url}`);
    else app(req, res);
  });
  server.on('upgrade', (req, socket, head) => {
    if (!channel.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    stores, engine, channel, servedByFastPath,
    async close() {
      await channel.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!options.keepStores) await stores.close();
    },
  };
}

/** A WebSocket client that queues messages so a test can await them in order. */
export async function openSocket(url: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; next(filter?: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>; send(m: unknown): void; close(): void }> {
  const ws = new WebSocket(url, { headers });
  const queue: Record<string, unknown>[] = [];
  const waiters: { filter: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }[] = [];
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString()) as Record<string, unknown>;
    const index = waiters.findIndex((w) => w.filter(message));
    if (index >= 0) waiters.splice(index, 1)[0].resolve(message);
    else queue.push(message);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  return {
    ws,
    next(filter = () => true) {
      const index = queue.findIndex(filter);
      if (index >= 0) return Promise.resolve(queue.splice(index, 1)[0]);
      return new Promise((resolve) => waiters.push({ filter, resolve }));
    },
    send: (m) => ws.send(typeof m === 'string' ? m : JSON.stringify(m)),
    close: () => ws.close(),
  };
}

/** The HTTP status a refused WebSocket handshake got. */
export function handshakeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.once('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate(); });
    ws.once('open', () => { resolve(101); ws.close(); });
    ws.once('error', () => resolve(-1));
  });
}
