/**
 * Load on the widget's WebSocket path: `npx tsx test/web/bench/web-socket-load.ts [conversations] [turnsEach]`.
 * The server (real engine, demo flows, memory stores, web channel) runs in a child process so the clients'
 * work does not count against it. Each conversation starts over HTTP, opens `/ws`, and sends its turns one after
 * another; latency is from `send` to the `replies` frame. Prints p50/p99 and turns/s; asserts nothing.
 */
import { spawn } from 'node:child_process';
import WebSocket from 'ws';

const QUESTIONS = ['milloin olette auki', 'mikä on toimitusaika', 'hei', 'kiitos', 'aukioloajat', 'kauanko toimitus kestää'];

async function serve(): Promise<void> {
  process.env.ASPA_E2E_FAKE_ENGINE = process.env.ASPA_BENCH_FAKE_ENGINE ?? '';
  const { startE2eServer } = await import('../../e2e/support/start-e2e-server');
  const server = await startE2eServer();
  // A clean exit writes the --cpu-prof profile when one was asked for.
  process.on('SIGINT', () => { server.close().finally(() => process.exit(0)); });
  process.stdout.write(`READY ${server.baseUrl}\n`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function conversation(baseUrl: string, turns: number, latencies: number[]): Promise<void> {
  const started = (await (await fetch(`${baseUrl}/api/web/conversations`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"locale":"fi"}' })).json()) as { conversationId: string; token: string };
  const ws = new WebSocket(`${baseUrl.replace('http', 'ws')}/ws?conversationId=${started.conversationId}&token=${started.token}`);
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  for (let turn = 0; turn < turns; turn++) {
    const clientMessageId = `bench${turn.toString().padStart(4, '0')}x`;
    const begin = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) => {
      const onMessage = (data: WebSocket.RawData) => {
        const message = JSON.parse(data.toString()) as { type: string; clientMessageId?: string };
        if (message.type === 'error') { ws.off('message', onMessage); reject(new Error(JSON.stringify(message))); }
        if (message.type === 'replies' && message.clientMessageId === clientMessageId) { ws.off('message', onMessage); resolve(); }
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ type: 'message', text: QUESTIONS[turn % QUESTIONS.length], clientMessageId }));
    });
    latencies.push(Number(process.hrtime.bigint() - begin) / 1e6);
  }
  ws.close();
}

async function main(): Promise<void> {
  if (process.argv[2] === 'serve') { await serve(); return; }
  const conversations = Number(process.argv[2] ?? 256);
  const turns = Number(process.argv[3] ?? 20);
  const child = spawn(process.execPath, [...(process.env.ASPA_BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=test-output/prof'] : []), '--import', 'tsx', __filename, 'serve'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'silent' } });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /READY (\S+)/.exec(buffer);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  try {
    await conversation(baseUrl, 3, []); // warm-up
    const latencies: number[] = [];
    const begin = Date.now();
    await Promise.all(Array.from({ length: conversations }, () => conversation(baseUrl, turns, latencies)));
    const seconds = (Date.now() - begin) / 1000;
    latencies.sort((a, b) => a - b);
    console.log(`${conversations} conversations × ${turns} turns over /ws: ${latencies.length} turns in ${seconds.toFixed(1)} s = ${Math.round(latencies.length / seconds)} turns/s; ` +
      `latency p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms (includes conversation start-up load)`);
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
  }
}

main().catch((error: unknown) => { console.error(error); process.exit(1); });
