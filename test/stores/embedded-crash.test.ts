import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createEmbeddedStores } from '../../src/stores/embedded/create-embedded-stores';

const CHILD = join(__dirname, 'support', 'embedded-crash-child.ts');
/** Kill after this many reported saves: enough that the child is mid-stream, writing all the time. */
const KILL_AFTER = 300;

describe('embedded store under kill -9', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'aspa-crash-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps every conversation and ticket that was reported saved', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir], {
      cwd: join(__dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => {
      child.on('exit', (code, signal) => resolve(signal ?? code));
    });

    const reported = new Map<string, string>();
    const lines = createInterface({ input: child.stdout });
    for await (const line of lines) {
      const match = /^saved (\d+) (ASPA-\d+)$/.exec(line);
      if (!match) continue;
      reported.set(`crash-${match[1]}`, match[2]);
      if (reported.size === KILL_AFTER) {
        child.kill('SIGKILL');
        break;
      }
    }
    expect(await exited).toBe('SIGKILL');
    expect(stderr).not.toMatch(/error/i);
    expect(reported.size).toBe(KILL_AFTER);

    const stores = createEmbeddedStores({ dataDir });
    try {
      for (const [conversationId, ticketId] of reported) {
        const record = await stores.conversations.get(conversationId);
        expect(record?.version).toBe(2);
        expect(record?.transcript).toHaveLength(1);
        expect((await stores.tickets.get(ticketId))?.conversationId).toBe(conversationId);
      }
      // Ticket numbering continues after the crash instead of reusing a number.
      const next = Number((await stores.tickets.nextId()).slice(5));
      expect(next).toBeGreaterThan(KILL_AFTER);
    } finally {
      await stores.close();
    }
  });
});
