import { main } from '../../src/cli';
import { loadConfig } from '../../src/config/load-config';
import { silentLogger } from '../../src/core/logger';
import { createHandoffFor } from '../../src/server/composition';
import { createMemoryStores } from '../../src/stores/memory/create-memory-stores';
import { loadMiniBot } from '../support/mini-bot';

function capture(): { out: () => string; err: () => string; restore: () => void } {
  let out = '';
  let err = '';
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out += String(chunk); return true; });
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { err += String(chunk); return true; });
  return { out: () => out, err: () => err, restore: () => { stdout.mockRestore(); stderr.mockRestore(); } };
}

describe('aspa CLI', () => {
  it.each(['serve', 'chat', 'validate', 'test', 'eval', 'graph', 'nlu', 'agent'])('aspa %s --help prints its usage and exits 0', async (command) => {
    const io = capture();
    try {
      await expect(main([command, '--help'])).resolves.toBe(0);
      expect(io.out()).toMatch(new RegExp(`^Usage: aspa ${command}`));
      expect(io.err()).toBe('');
    } finally {
      io.restore();
    }
  });

  it('an unknown option is a usage error (exit 2), not a stack trace', async () => {
    const io = capture();
    try {
      await expect(main(['validate', '--bogus'])).resolves.toBe(2);
      expect(io.err()).toMatch(/^Unknown option '--bogus'[\s\S]*Usage: aspa validate/);
    } finally {
      io.restore();
    }
  });

  it('aspa chat builds its handoff from the same settings as the server (opening hours)', async () => {
    const stores = createMemoryStores();
    const config = loadConfig({ ASPA_STORE: 'memory', ASPA_OPENING_HOURS: '{"mon":["08:00-09:00"]}' });
    const handoff = createHandoffFor(config, { stores, clock: { now: () => 0 }, logger: silentLogger, loaded: loadMiniBot() });
    // Tuesday 10:00 in Helsinki: open by default, closed with these hours.
    expect(handoff.isOpen(Date.parse('2026-12-01T10:00:00+02:00'))).toBe(false);
    expect(handoff.isOpen(Date.parse('2026-11-30T08:30:00+02:00'))).toBe(true);
    await stores.close();
  });
});
