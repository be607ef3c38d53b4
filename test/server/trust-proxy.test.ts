import { startTestServer } from '../support/start-test-server';

/** TRUST_PROXY and Secure cookies through the whole server (issue 11). */

async function login(base: string, headers: Record<string, string> = {}, name = 'Maija', password = 'agent-secret-token') {
  const res = await fetch(`${base}/api/agent/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ name, password }) });
  return { status: res.status, setCookie: res.headers.get('set-cookie') ?? '' };
}

describe('behind a reverse proxy', () => {
  it('with TRUST_PROXY the cookie is Secure when the proxy says the request came over https, and not otherwise', async () => {
    const { aspa, base } = await startTestServer({ env: { TRUST_PROXY: '1' } });
    try {
      const overTls = await login(base, { 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '203.0.113.5' });
      expect(overTls.status).toBe(200);
      expect(overTls.setCookie).toMatch(/; Secure/);
      const plain = await login(base);
      expect(plain.status).toBe(200);
      expect(plain.setCookie).not.toMatch(/Secure/);
    } finally {
      await aspa.close();
    }
  });

  it('without TRUST_PROXY a client cannot claim https or another address', async () => {
    const { aspa, base } = await startTestServer();
    try {
      expect((await login(base, { 'X-Forwarded-Proto': 'https' })).setCookie).not.toMatch(/Secure/);
      expect(aspa.app.get('trust proxy')).toBe(false);
    } finally {
      await aspa.close();
    }
  });

  it('with TRUST_PROXY the login limits count the agent\'s address, not the proxy\'s', async () => {
    const { aspa, base } = await startTestServer({ env: { TRUST_PROXY: '127.0.0.1' } });
    try {
      for (let i = 0; i < 100; i++) expect((await login(base, { 'X-Forwarded-For': '198.51.100.9' }, `guess-${i}`, 'wrong-password')).status).toBe(401);
      expect((await login(base, { 'X-Forwarded-For': '198.51.100.9' })).status).toBe(429);
      expect((await login(base, { 'X-Forwarded-For': '198.51.100.10' })).status).toBe(200);
    } finally {
      await aspa.close();
    }
  });

  it('an https PUBLIC_URL makes the cookie Secure on every request', async () => {
    const { aspa, base } = await startTestServer({ env: { PUBLIC_URL: 'https://aspa.example.fi' } });
    try {
      expect((await login(base)).setCookie).toMatch(/; Secure/);
    } finally {
      await aspa.close();
    }
  });
});
