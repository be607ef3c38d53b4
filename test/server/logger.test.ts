import { Writable } from 'node:stream';
import { createLogger } from '../../src/server/create-logger';

describe('logger', () => {
  it('writes JSON lines with personal data and secrets removed', () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _encoding, done) { lines.push(chunk.toString()); done(); } });
    const logger = createLogger('info', sink as never);
    logger.info('engine.turn.handled', {
      conversationId: 'c1', text: 'soita 040 123 4567 tai maija@example.fi, hetu 131052-308T, IBAN FI21 1234 5600 0007 85, tilaus 12345',
      nested: { authorization: 'Bearer abc', accessToken: 'xyz' },
    });
    logger.debug('hidden.at.info', {});
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]);
    expect(entry.event).toBe('engine.turn.handled');
    expect(entry.text).not.toMatch(/040|maija|131052|FI21/);
    expect(entry.text).toContain('tilaus 12345');
    expect(entry.nested).toEqual({ authorization: '[secret]', accessToken: '[secret]' });
  });
});
