import http from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import type { TwilioCallUpdater } from '../../../src/channels/voice/twilio-call-updater';

export interface CallUpdate {
  callSid: string;
  twiml?: string;
  url?: string;
  authorization?: string;
}

export interface FakeTwilioApi {
  /** The real twilio REST client, its HTTP sent to the local stand-in through the documented `httpClient` option. */
  client: TwilioCallUpdater;
  updates: CallUpdate[];
  /** Resolves when `count` call updates have arrived. */
  waitForUpdates(count: number): Promise<CallUpdate[]>;
  close(): Promise<void>;
}

export const ACCOUNT_SID = `AC${'0'.repeat(32)}`;

/** A local stand-in for `api.twilio.com` that accepts call updates (POST …/Calls/{CallSid}.json). */
export async function startFakeTwilioApi(): Promise<FakeTwilioApi> {
  const updates: CallUpdate[] = [];
  const waiters: Array<{ count: number; resolve: (updates: CallUpdate[]) => void }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    req.on('end', () => {
      const match = /^\/2010-04-01\/Accounts\/(AC\w+)\/Calls\/(CA\w+)\.json$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !match) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 20404, message: 'not found', status: 404 }));
        return;
      }
      const form = new URLSearchParams(body);
      updates.push({ callSid: match[2], twiml: form.get('Twiml') ?? undefined, url: form.get('Url') ?? undefined, authorization: req.headers.authorization });
      for (const waiter of [...waiters]) {
        if (updates.length >= waiter.count) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve([...updates]);
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sid: match[2], account_sid: match[1], status: 'in-progress' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const real = new twilio.RequestClient();
  const httpClient = {
    request: (options: Parameters<typeof real.request>[0]) => {
      const url = new URL(options.uri);
      return real.request({ ...options, uri: base + url.pathname + url.search });
    },
  };
  const client = twilio(ACCOUNT_SID, 'api-token', { httpClient: httpClient as unknown as InstanceType<typeof twilio.RequestClient> });
  return {
    client,
    updates,
    waitForUpdates(count) {
      if (updates.length >= count) return Promise.resolve([...updates]);
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
