import { ConfigError, configWarnings, loadConfig } from '../../src/config/load-config';
import type { Logger } from '../../src/core/logger';
import { startTestServer } from '../support/start-test-server';

function recordingLogger(): Logger & { warnings: { event: string; fields?: Record<string, unknown> }[] } {
  const warnings: { event: string; fields?: Record<string, unknown> }[] = [];
  const ignore = () => undefined;
  return { warnings, debug: ignore, info: ignore, error: ignore, warn: (event, fields) => warnings.push({ event, fields }) };
}

const metricsStatus = async (url: string, token?: string) => {
  const res = await fetch(url, token ? { headers: { Authorization: `Bearer ${token}` } } : {});
  return { status: res.status, body: await res.text() };
};

describe('GET /metrics access', () => {
  it('open without METRICS_TOKEN or METRICS_LISTEN, with one start-up warning that says what to set', async () => {
    const logger = recordingLogger();
    const { aspa, base } = await startTestServer({ logger });
    try {
      expect((await metricsStatus(`${base}/metrics`)).status).toBe(200);
      const warning = logger.warnings.find((line) => line.event === 'config.metrics_unprotected');
      expect(String(warning?.fields?.message)).toMatch(/METRICS_TOKEN.*METRICS_LISTEN/);
    } finally {
      await aspa.close();
    }
  });

  it('counts the web chat turns the fast path serves, per channel and outcome, with their durations', async () => {
    const { aspa, base } = await startTestServer();
    try {
      const post = async (path: string, body: unknown, token?: string) => (await fetch(`${base}${path}`, {
        method: 'POST', headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body),
      })).json() as Promise<Record<string, unknown>>;
      const started = await post('/api/web/conversations', { locale: 'fi' }) as { conversationId: string; token: string };
      const message = { type: 'message', text: 'milloin olette auki', clientMessageId: 'metrics-1' };
      await post(`/api/web/conversations/${started.conversationId}/messages`, message, started.token);
      expect(await post(`/api/web/conversations/${started.conversationId}/messages`, message, started.token)).toMatchObject({ duplicate: true });
      const { body } = await metricsStatus(`${base}/metrics`);
      expect(body).toContain('aspa_turns_total{channel="web",outcome="ok"} 2');
      expect(body).toContain('aspa_turns_total{channel="web",outcome="duplicate"} 1');
      expect(body).toContain('aspa_turn_duration_seconds_count{channel="web"} 3');
    } finally {
      await aspa.close();
    }
  });

  it('with METRICS_TOKEN: 401 without the bearer token or with a wrong one, 200 with it; no warning', async () => {
    const logger = recordingLogger();
    const token = 'metrics-token-0123456789abcdef';
    const { aspa, base } = await startTestServer({ logger, env: { METRICS_TOKEN: token } });
    try {
      const missing = await fetch(`${base}/metrics`);
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toContain('Bearer');
      expect(JSON.parse(await missing.text()).error.code).toBe('metrics_token_missing');
      const wrong = await metricsStatus(`${base}/metrics`, 'metrics-token-0123456789abcdeX');
      expect(wrong.status).toBe(401);
      expect(wrong.body).not.toContain('aspa_turns_total');
      const ok = await metricsStatus(`${base}/metrics`, token);
      expect(ok.status).toBe(200);
      expect(ok.body).toContain('aspa_turn_duration_seconds');
      expect(logger.warnings.map((line) => line.event)).not.toContain('config.metrics_unprotected');
    } finally {
      await aspa.close();
    }
  });

  it('with METRICS_LISTEN: served only on that address, not on the main port', async () => {
    const { aspa, base } = await startTestServer({ env: { METRICS_LISTEN: '127.0.0.1:0', METRICS_TOKEN: 'metrics-token-0123456789abcdef' } });
    try {
      expect((await metricsStatus(`${base}/metrics`, 'metrics-token-0123456789abcdef')).status).toBe(404);
      const port = aspa.metricsPort();
      expect(port).toBeGreaterThan(0);
      expect((await metricsStatus(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
      expect((await metricsStatus(`http://127.0.0.1:${port}/metrics`, 'metrics-token-0123456789abcdef')).status).toBe(200);
    } finally {
      await aspa.close();
    }
  });

  it('validates the settings at start-up', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(problems({ METRICS_TOKEN: 'short' }).join()).toMatch(/METRICS_TOKEN: use at least 16/);
    expect(problems({ METRICS_LISTEN: 'localhost' }).join()).toMatch(/METRICS_LISTEN: use host:port/);
    expect(problems({ METRICS_LISTEN: '127.0.0.1:99999' }).join()).toMatch(/above 65535/);
    expect(problems({ METRICS_LISTEN: '127.0.0.1:3000', PORT: '3000' }).join()).toMatch(/is the main PORT/);
    expect(loadConfig({ METRICS_LISTEN: '[::1]:9464' }).metrics.listen).toEqual({ host: '::1', port: 9464 });
  });
});

describe('start-up warning for agent sessions', () => {
  it('warns once, saying what to use, when agents can log in but sessions would live in the process (memory store)', () => {
    const events = (env: Record<string, string>) => configWarnings(loadConfig({ METRICS_TOKEN: 'metrics-token-0123456789abcdef', ...env }));
    const [warning, ...rest] = events({ AGENT_TOKEN: 'agent-secret-token', ASPA_STORE: 'memory' });
    expect(rest).toEqual([]);
    expect(warning.event).toBe('config.agent_sessions_in_memory');
    expect(warning.message).toMatch(/restart logs agents out.*embedded store .*Redis/);
    expect(warning.message).not.toContain('\n');
    // Sessions in the embedded store or Redis survive restarts, with or without AGENT_SESSION_SECRET.
    expect(events({ AGENT_TOKEN: 'agent-secret-token' })).toEqual([]);
    // Without agent logins there are no sessions to lose.
    expect(events({})).toEqual([]);
  });

  it('is logged by the server at start', async () => {
    const logger = recordingLogger();
    const { aspa } = await startTestServer({ logger });
    await aspa.close();
    expect(logger.warnings.filter((line) => line.event === 'config.agent_sessions_in_memory')).toHaveLength(1);
  });
});
