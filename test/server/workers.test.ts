import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { createClient } from 'redis';

const ROOT = path.resolve(__dirname, '..', '..');
const redisUrl = process.env.REDIS_URL;
const describeRedis = redisUrl ? describe : describe.skip;
if (!redisUrl) console.log('worker-processes test skipped: set REDIS_URL (e.g. redis://127.0.0.1:6379) to run it');

describeRedis('aspa serve with two worker processes on Redis', () => {
  it('continues a conversation whichever worker takes each request', async () => {
    const prefix = `aspa-test-workers-${process.pid}-${Date.now()}:`;
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli.ts'), 'serve'], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ASPA_WORKERS: '2', REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix, ASPA_DATA_DIR: path.join(ROOT, 'data'), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      // The primary shares one port among the workers and hands connections out in turn (round robin).
      const port = await new Promise<number>((resolve, reject) => {
        let output = '';
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          const match = /serving on http:\/\/localhost:(\d+) \(store: redis, 2 workers/.exec(output);
          if (match) resolve(Number(match[1]));
        };
        child.stdout?.on('data', onData);
        child.stderr?.on('data', onData);
        child.once('exit', (code) => reject(new Error(`server exited (${code}): ${output}`)));
      });
      const ports = [port, port];
      const send = async (target: number, text: string, token?: string) => {
        // A new connection per request, so the primary's round robin spreads them over both workers.
        const response = await fetch(`http://127.0.0.1:${target}/api/conversations/workers-1/messages`, {
          method: 'POST', headers: { 'content-type': 'application/json', connection: 'close', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ text }),
        });
        expect(response.status).toBe(200);
        return response.json() as Promise<{ state: string; accessToken?: string; replies: { text?: string }[] }>;
      };
      const first = await send(ports[0], 'missä tilaukseni on');
      expect(first.state).toBe('order_status.ask_number');
      const second = await send(ports[1], '12345', first.accessToken);
      expect(JSON.stringify(second.replies)).toContain('12345');
      expect(second.state).not.toBe('order_status.ask_number');
    } finally {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
      const client = createClient({ url: redisUrl });
      await client.connect();
      for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) if (keys.length) await client.del(keys);
      await client.quit();
    }
  }, 90_000);
});
