import type { Logger } from '../../src/core/logger';
import type { Aspa } from '../../src/server/composition';
import { startTestServer } from '../support/start-test-server';

/** With an app id configured, requests without a valid Bot Framework token are refused: 401 and one warning line. */
describe('Bot Framework authentication failures', () => {
  let aspa: Aspa;
  let base: string;
  const lines: { level: string; event: string; fields?: Record<string, unknown> }[] = [];
  const logger: Logger = {
    debug: () => undefined, info: () => undefined,
    warn: (event, fields) => lines.push({ level: 'warn', event, fields }),
    error: (event, fields) => lines.push({ level: 'error', event, fields }),
  };
  beforeAll(async () => {
    ({ aspa, base } = await startTestServer({ logger, env: { MICROSOFT_APP_ID: '00000000-0000-0000-0000-000000000001', MICROSOFT_APP_PASSWORD: 'not-a-real-secret' } }));
  });
  afterAll(async () => { await aspa.close(); });

  it.each([
    ['no token', undefined],
    ['a token that is no JWT', 'Bearer not-a-jwt'],
    // (A JWT with a Bot Framework issuer would make botbuilder fetch the signing keys from the internet: not here.)
  ])('%s: 401, one structured warning, no stack trace on stderr', async (_name, authorization) => {
    const stderr = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const stderrWarn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    lines.length = 0;
    try {
      const res = await fetch(`${base}/api/messages`, {
        method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ type: 'message', id: 'a1', channelId: 'msteams', serviceUrl: 'https://smba.trafficmanager.net/emea/', conversation: { id: 'c1' }, from: { id: 'u1' }, recipient: { id: 'bot' }, text: 'hei' }),
      });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
      expect(stderr).not.toHaveBeenCalled();
      expect(stderrWarn).not.toHaveBeenCalled();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 'warn', event: 'botframework.auth.rejected', fields: { channelId: 'msteams', hasToken: Boolean(authorization) } });
      const reason = String(lines[0].fields?.reason);
      expect(reason).not.toContain('\n');
      expect(reason).not.toMatch(/\bat .*\.js:\d+/);
    } finally {
      stderr.mockRestore();
      stderrWarn.mockRestore();
    }
  });
});
