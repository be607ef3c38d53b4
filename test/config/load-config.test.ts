import { ConfigError, loadConfig } from '../../src/config/load-config';

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
});
