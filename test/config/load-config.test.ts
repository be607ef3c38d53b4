import { ConfigError, loadConfig, parseTrustProxy } from '../../src/config/load-config';

describe('loadConfig', () => {
  it('has defaults that need nothing installed', () => {
    const config = loadConfig({}, '/srv/aspa');
    expect(config).toMatchObject({ port: 3000, store: 'embedded', dataDir: '/srv/aspa/data', locales: ['fi', 'en', 'sv'], defaultLocale: 'fi', workers: 1 });
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).store).toBe('redis');
  });

  it('lists every problem at once, the web channel\'s too, and treats empty variables as unset', () => {
    let failure: unknown;
    try {
      loadConfig({ PORT: 'abc', WEB_ALLOWED_ORIGINS: 'shop.example.com', AGENT_TOKEN: 'short', ASPA_WORKERS: '2', TICKET_WEBHOOK_URL: 'https://helpdesk.example.com/hook', REDIS_URL: '' });
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(ConfigError);
    const problems = (failure as ConfigError).problems.join('\n');
    expect(problems).toMatch(/PORT/);
    expect(loadConfig({ WEB_ALLOWED_ORIGINS: 'https://shop.example.com/' }).webAllowedOrigins).toEqual(['https://shop.example.com']);
    let second: unknown;
    try {
      loadConfig({ WEB_ALLOWED_ORIGINS: 'shop.example.com', AGENT_TOKEN: 'short', ASPA_WORKERS: '2', TICKET_WEBHOOK_URL: 'https://helpdesk.example.com/hook' });
    } catch (error) {
      second = error;
    }
    const listed = (second as ConfigError).problems.join('\n');
    expect(listed).toMatch(/WEB_ALLOWED_ORIGINS/);
    expect(listed).toMatch(/AGENT_TOKEN/);
    expect(listed).toMatch(/ASPA_WORKERS > 1 needs Redis/);
    expect(listed).toMatch(/TICKET_WEBHOOK_SECRET/);
  });

  it('reads TRUST_PROXY as off (default), a hop count or proxy addresses, and refuses trusting everyone', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'off' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.2, 10.0.1.0/24, loopback, fd00::/8' }).trustProxy).toEqual(['10.0.0.2', '10.0.1.0/24', 'loopback', 'fd00::/8']);
    for (const bad of ['true', '*', '0.5', '11', 'proxy.example.com', '10.0.0.0/33', '10.0.0.1/8/2']) {
      expect([bad, parseTrustProxy(bad).problems.length]).toEqual([bad, 1]);
    }
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY: "true" would believe X-Forwarded-For from anyone/);
    expect(parseTrustProxy('12, lan').problems).toHaveLength(2);
  });

  it('reads NLU_OOS_THRESHOLD as one number for every language or one per language', () => {
    expect(loadConfig({}).nluOosThreshold).toEqual({});
    expect(loadConfig({ NLU_OOS_THRESHOLD: '0.4' }).nluOosThreshold).toEqual({ fi: 0.4, en: 0.4, sv: 0.4 });
    expect(loadConfig({ NLU_OOS_THRESHOLD: 'fi=0.35, en=.4' }).nluOosThreshold).toEqual({ fi: 0.35, en: 0.4 });
    expect(loadConfig({ NLU_OOS_THRESHOLD: 'sv=1' }).nluOosThreshold).toEqual({ sv: 1 });
  });

  it.each([
    ['1.5', /NLU_OOS_THRESHOLD: "1.5" is not a number from 0 to 1; use one number/],
    ['-0.1', /is not a number from 0 to 1/],
    ['fi=abc', /NLU_OOS_THRESHOLD: "fi=abc": the threshold must be a number from 0 to 1/],
    ['fi=0.3,de=0.4', /"de=0.4" does not start with a language \(fi, en, sv\)/],
    ['fi=0.3,fi=0.4', /fi is given twice/],
    ['0.3,fi=0.4', /"0.3" does not start with a language/],
    ['fi=0.3=1', /"fi=0.3=1": the threshold must be a number/],
  ])('refuses NLU_OOS_THRESHOLD=%s with a message that says how to write it', (value, message) => {
    expect(() => loadConfig({ NLU_OOS_THRESHOLD: value })).toThrow(message);
  });

  it('refuses an NLU_OOS_THRESHOLD for a language that is not enabled, alongside other problems', () => {
    let failure: unknown;
    try {
      loadConfig({ ASPA_LOCALES: 'fi,en', NLU_OOS_THRESHOLD: 'sv=0.4', ASPA_STORE: 'redis' });
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).problems).toEqual(expect.arrayContaining([expect.stringMatching(/^ASPA_STORE=redis needs REDIS_URL/), 'NLU_OOS_THRESHOLD: sv is not in ASPA_LOCALES (fi,en)']));
  });
});
