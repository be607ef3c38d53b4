import twilio from 'twilio';
import { startTestServer } from '../support/start-test-server';

describe('phone channel wiring', () => {
  it('is off without Twilio settings', async () => {
    const { aspa, base } = await startTestServer();
    try {
      expect((await fetch(`${base}/voice/incoming`, { method: 'POST' })).status).toBe(404);
    } finally {
      await aspa.close();
      await aspa.stores.close();
    }
  });

  it('answers a signed incoming call with TwiML and refuses a bad signature', async () => {
    const token = 'test-auth-token';
    const { aspa, base } = await startTestServer({ env: { TWILIO_AUTH_TOKEN: token, PUBLIC_URL: 'https://bot.example.com' } });
    try {
      const params = { CallSid: `CA${'1'.repeat(32)}`, AccountSid: `AC${'2'.repeat(32)}`, From: '+358401234567', To: '+358291234567', CallStatus: 'ringing' };
      const signature = twilio.getExpectedTwilioSignature(token, 'https://bot.example.com/voice/incoming', params);
      const body = new URLSearchParams(params).toString();
      const ok = await fetch(`${base}/voice/incoming`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body });
      expect(ok.status).toBe(200);
      const twiml = await ok.text();
      expect(twiml).toMatch(/<Response>/);
      expect(twiml).toMatch(/<Gather[^>]*language="fi-FI"/);
      const bad = await fetch(`${base}/voice/incoming`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'forged' }, body });
      expect(bad.status).toBe(403);
    } finally {
      await aspa.close();
      await aspa.stores.close();
    }
  });
});
