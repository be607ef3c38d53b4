import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** Starts `aspa serve` in its own process on an ephemeral port and waits for it to say where it listens. */
function startServer(dataDir: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli.ts'), 'serve'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ASPA_DATA_DIR: dataDir, ASPA_STORE: 'embedded', REDIS_URL: '', LOG_LEVEL: 'warn', METADATA_SERVER_DETECTION: 'none' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /serving on (http:\/\/localhost:\d+)/.exec(output);
      if (match) resolve({ child, base: match[1].replace('localhost', '127.0.0.1') });
    });
    child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${output}`)));
  });
}

function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

async function send(base: string, id: string, text: string, token?: string): Promise<any> {
  const response = await fetch(`${base}/api/conversations/${id}/messages`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ text }),
  });
  expect(response.status).toBe(200);
  return response.json();
}

describe('durability', () => {
  it('loses nothing when the server is killed with SIGKILL mid-conversation', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aspa-restart-'));
    try {
      const first = await startServer(dataDir);
      const started = await send(first.base, 'kill-test', 'missä tilaukseni on');
      expect(started.state).toBe('order_status.ask_number');
      await killHard(first.child);

      const second = await startServer(dataDir);
      try {
        const continued = await send(second.base, 'kill-test', '12345', started.accessToken);
        expect(continued.state).not.toBe('order_status.ask_number');
        expect(JSON.stringify(continued.replies)).toContain('12345');
        const conversation = await (await fetch(`${second.base}/api/conversations/kill-test`, { headers: { authorization: `Bearer ${started.accessToken}` } })).json();
        expect(conversation.transcript.filter((line: { from: string }) => line.from === 'customer').map((line: { text: string }) => line.text)).toEqual(['missä tilaukseni on', '12345']);
      } finally {
        await killHard(second.child);
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
