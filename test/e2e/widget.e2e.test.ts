import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { E2E_AGENT_TOKEN, ROOT, startE2eServer, type E2eServer } from './support/start-e2e-server';
import { launchChromium } from './support/launch-chromium';

const OUT = path.join(ROOT, 'test-output', 'e2e');
const CUSTOMER_INJECTION = 'Kiitos, odotan tässä. <img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script> Sähkölaskuni on liian suuri.';
const AGENT_REPLY = 'Hei, olen Maija! <b>Tarkistan</b> asian <script>window.__pwned=3</script> heti.';

/**
 * The whole web story in a real browser: a customer asks an FAQ question in Finnish, asks for a person,
 * gets a ticket id; an agent logs in, reads the transcript, claims and replies live; the customer sees
 * it; the agent hands back to the bot; the customer rates 5 stars. Screenshots go to test-output/e2e.
 */
describe('web widget and agent console in Chromium', () => {
  let server: E2eServer;
  let browser: Browser;

  beforeAll(async () => {
    fs.mkdirSync(OUT, { recursive: true });
    server = await startE2eServer();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function shot(page: Page, name: string, fullPage = false): Promise<void> {
    await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage });
  }

  it('FAQ, handoff with a ticket, live agent reply, back to the bot, 5-star rating', async () => {
    // Nothing may leave loopback, not even from the browser.
    const customerContext = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'fi-FI', timezoneId: 'Europe/Helsinki' });
    await customerContext.route(/^(?!http:\/\/127\.0\.0\.1[:/]|ws:\/\/127\.0\.0\.1[:/]|data:)/, (route) => route.abort());
    const customer = await customerContext.newPage();
    const pageErrors: string[] = [];
    customer.on('pageerror', (error) => pageErrors.push(error.message));
    await customer.goto(`${server.baseUrl}/`);
    await shot(customer, '01-demo-page-phone');

    // Keyboard only: focus the launcher, open with Enter; the input gets the focus.
    const launcher = customer.locator('.aspa-launcher');
    await launcher.focus();
    await customer.keyboard.press('Enter');
    await expect(launcher.getAttribute('aria-expanded')).resolves.toBe('true');
    const log = customer.locator('.aspa-log');
    // Bubbles may be paced on screen; screen readers hear each reply whole from the announcer instead.
    await expect(log.getAttribute('aria-live')).resolves.toBe('off');
    await expect(customer.locator('.aspa-announcer').getAttribute('aria-live')).resolves.toBe('polite');
    await customer.locator('.aspa-from-bot').first().waitFor();
    await customer.waitForFunction(() => {
      const host = document.getElementById('aspa-widget');
      return host?.shadowRoot?.activeElement?.id === 'aspa-input';
    });
    await customer.keyboard.type('milloin olette auki');
    await customer.keyboard.press('Enter');
    const faqAnswer = customer.locator('.aspa-from-bot', { hasText: 'arkisin' });
    await faqAnswer.waitFor();
    await customer.locator('.aspa-root[data-pacing]').waitFor({ state: 'detached' });

    // A reload resumes the same conversation, with nothing lost or doubled.
    const bubblesBefore = await customer.locator('.aspa-msg').count();
    await customer.reload();
    await customer.locator('.aspa-from-bot', { hasText: 'arkisin' }).waitFor();
    await expect(customer.locator('.aspa-msg').count()).resolves.toBe(bubblesBefore);
    await expect(customer.locator('.aspa-from-customer', { hasText: 'milloin olette auki' }).count()).resolves.toBe(1);

    // "Talk to a person" is always there; the ticket id is shown.
    await customer.locator('.aspa-human').click();
    const ticketNotice = customer.locator('.aspa-ticket');
    await ticketNotice.waitFor();
    const ticketId = await ticketNotice.getAttribute('data-ticket-id');
    expect(ticketId).toMatch(/^[A-Z]+-\d+$/);
    await expect(ticketNotice.textContent()).resolves.toContain(ticketId);
    await shot(customer, '02-widget-ticket-phone');

    // The agent logs in and finds the ticket in the queue.
    const agentContext = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'fi-FI', timezoneId: 'Europe/Helsinki' });
    await agentContext.route(/^(?!http:\/\/127\.0\.0\.1[:/]|ws:\/\/127\.0\.0\.1[:/]|data:)/, (route) => route.abort());
    const agent = await agentContext.newPage();
    agent.on('pageerror', (error) => pageErrors.push(error.message));
    await agent.goto(`${server.baseUrl}/agent/queue`);
    await agent.waitForURL(/\/agent$/);
    await agent.locator('#name').fill('Maija');
    await agent.locator('#password').fill('wrong-token');
    await agent.locator('button[type=submit]').click();
    await agent.locator('.error').waitFor();
    await agent.locator('#password').fill(E2E_AGENT_TOKEN);
    await agent.locator('button[type=submit]').click();
    await agent.waitForURL(/\/agent\/queue$/);
    const row = agent.locator(`tr[data-ticket-id="${ticketId}"]`);
    await row.waitFor();
    await expect(row.locator('.time-left').textContent()).resolves.toMatch(/\d+ (min|h)/);
    await shot(agent, '03-console-queue');

    await row.locator('a').click();
    await agent.waitForURL(new RegExp(`/agent/tickets/${ticketId}$`));
    const transcript = agent.locator('.transcript');
    await transcript.locator('.line.from-customer', { hasText: 'milloin olette auki' }).waitFor();
    await agent.locator('.summary').waitFor();

    await agent.locator('#claim').click();
    await agent.locator('#reply').waitFor();
    await customer.locator('.aspa-panel.aspa-with-agent').waitFor();
    await expect(customer.locator('.aspa-subtitle').textContent()).resolves.toContain('Maija');
    // The customer writes to the agent, trying to inject markup; the console shows it as text.
    await customer.locator('#aspa-input').fill(CUSTOMER_INJECTION);
    await customer.locator('.aspa-send').click();
    await customer.locator('.aspa-from-customer', { hasText: '<img src=x' }).waitFor();
    await customer.locator('.aspa-from-customer.aspa-sending').waitFor({ state: 'detached' });
    await transcript.locator('.line.from-customer', { hasText: '<img src=x' }).waitFor();
    await agent.locator('#reply').fill(AGENT_REPLY);
    await agent.locator('#reply-send').click();
    await transcript.locator('.line.from-agent', { hasText: 'Tarkistan' }).waitFor();
    await agent.evaluate(() => window.scrollTo(0, 0));
    await shot(agent, '04-console-ticket', true);

    // The customer sees the agent's reply with the agent's name; markup stays text.
    const agentBubble = customer.locator('.aspa-from-agent', { hasText: '<b>Tarkistan</b>' });
    await agentBubble.waitFor();
    await expect(agentBubble.locator('.aspa-who').textContent()).resolves.toBe('Maija');
    await expect(customer.locator('.aspa-subtitle').textContent()).resolves.toContain('Maija');
    await shot(customer, '05-widget-agent-reply-phone');

    // Back to the bot: it asks for a CSAT rating, shown as stars.
    await agent.locator('#release').click();
    const stars = customer.locator('.aspa-star');
    await stars.first().waitFor();
    await expect(stars.count()).resolves.toBe(5);
    await shot(customer, '06-widget-rating-phone');
    const botLinesBefore = await customer.locator('.aspa-from-bot').count();
    await stars.nth(4).focus();
    await customer.keyboard.press('Enter');
    await expect(customer.locator('.aspa-from-customer').last().textContent()).resolves.toContain('★★★★★');
    await customer.waitForFunction((before) => {
      const root = document.getElementById('aspa-widget')?.shadowRoot;
      return (root?.querySelectorAll('.aspa-from-bot').length ?? 0) > before;
    }, botLinesBefore);
    await shot(customer, '07-widget-rated-phone');

    // The agent closes the ticket with a resolution note; it leaves the queue.
    await agent.locator('#resolution').fill('Kerrottu aukioloajat, asiakas tyytyväinen (5/5).');
    await agent.locator('#close-ticket').click();
    await agent.locator('.card.closed', { hasText: 'Kerrottu aukioloajat' }).waitFor();
    await agent.goto(`${server.baseUrl}/agent/queue`);
    await agent.locator('.empty, table.queue').first().waitFor();
    await expect(agent.locator(`tr[data-ticket-id="${ticketId}"]`).count()).resolves.toBe(0);

    // A wider screen, for the README.
    await customer.setViewportSize({ width: 1280, height: 800 });
    await shot(customer, '08-widget-desktop');

    // No injected markup ran or became elements, anywhere.
    for (const page of [customer, agent]) {
      await expect(page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).resolves.toBeUndefined();
    }
    await expect(customer.evaluate(() => document.getElementById('aspa-widget')?.shadowRoot?.querySelectorAll('.aspa-log img, .aspa-log script, .aspa-log b').length)).resolves.toBe(0);
    await expect(agent.evaluate(() => document.querySelectorAll('.transcript img, .transcript script, .transcript b').length)).resolves.toBe(0);
    expect(pageErrors).toEqual([]);

    await customerContext.close();
    await agentContext.close();
  });

  it('survives a dropped connection: reconnects by itself, nothing lost, nothing doubled', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fi-FI', timezoneId: 'Europe/Helsinki' });
    await context.route(/^(?!http:\/\/127\.0\.0\.1[:/]|ws:\/\/127\.0\.0\.1[:/]|data:)/, (route) => route.abort());
    const customer = await context.newPage();
    await customer.goto(`${server.baseUrl}/`);
    await customer.locator('.aspa-launcher').click();
    await customer.locator('.aspa-from-bot').first().waitFor();
    await customer.locator('.aspa-human').click();
    const ticketId = await customer.locator('.aspa-ticket').getAttribute('data-ticket-id');

    // The agent works through the console's JSON API here (the first test drives the console UI).
    const login = await fetch(`${server.baseUrl}/api/agent/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'Pekka', password: E2E_AGENT_TOKEN }) });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    const agentPost = async (action: string, body: unknown = {}) => {
      const res = await fetch(`${server.baseUrl}/api/agent/tickets/${ticketId}/${action}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: cookie }, body: JSON.stringify(body) });
      expect(res.status).toBe(200);
    };
    await agentPost('claim');
    await customer.locator('.aspa-panel.aspa-with-agent').waitFor();

    expect(server.dropSockets()).toBeGreaterThan(0);
    await agentPost('messages', { text: 'Tämä lähti katkon aikana.' });
    await customer.locator('#aspa-input').fill('Oletko vielä siellä?');
    await customer.keyboard.press('Enter');

    await customer.locator('.aspa-from-agent', { hasText: 'katkon aikana' }).waitFor();
    await customer.locator('.aspa-from-customer', { hasText: 'Oletko vielä siellä?' }).waitFor();
    await customer.locator('.aspa-sending').waitFor({ state: 'detached' });
    // The live socket is back: a new agent message arrives without a reload.
    await agentPost('messages', { text: 'Olen täällä edelleen.' });
    await customer.locator('.aspa-from-agent', { hasText: 'edelleen' }).waitFor();
    await shot(customer, '09-widget-after-reconnect');

    await expect(customer.locator('.aspa-from-agent', { hasText: 'katkon aikana' }).count()).resolves.toBe(1);
    await expect(customer.locator('.aspa-from-customer', { hasText: 'Oletko vielä siellä?' }).count()).resolves.toBe(1);
    await expect(customer.locator('.aspa-from-agent', { hasText: 'edelleen' }).count()).resolves.toBe(1);
    const detail = (await (await fetch(`${server.baseUrl}/api/agent/tickets/${ticketId}`, { headers: { Cookie: cookie } })).json()) as { conversation: { transcript: { from: string; text: string }[] } };
    expect(detail.conversation.transcript.filter((line) => line.text === 'Oletko vielä siellä?')).toHaveLength(1);
    await context.close();
  });
  it('starts a new conversation when the stored one is gone (404), instead of retrying forever', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fi-FI', timezoneId: 'Europe/Helsinki' });
    await context.route(/^(?!http:\/\/127\.0\.0\.1[:/]|ws:\/\/127\.0\.0\.1[:/]|data:)/, (route) => route.abort());
    const customer = await context.newPage();
    await customer.goto(`${server.baseUrl}/`);
    await customer.locator('.aspa-launcher').click();
    await customer.locator('.aspa-from-bot').first().waitFor();
    const stored = () => customer.evaluate(() => {
      const key = Object.keys(localStorage).find((name) => (localStorage.getItem(name) ?? '').includes('conversationId'));
      return key ? { key, value: JSON.parse(localStorage.getItem(key) as string) as { conversationId: string; token: string } } : undefined;
    });
    const before = await stored();
    expect(before).toBeDefined();
    // As after an expiry: the widget still holds an id (and a well-formed token) the server no longer knows.
    await customer.evaluate(({ key, value }) => localStorage.setItem(key, JSON.stringify({ ...value, conversationId: 'expired0000000000000000' })), before!);
    await customer.reload();
    await customer.waitForFunction((old) => {
      const key = Object.keys(localStorage).find((name) => (localStorage.getItem(name) ?? '').includes('conversationId'));
      const value = key ? JSON.parse(localStorage.getItem(key) as string) as { conversationId: string } : undefined;
      return value !== undefined && value.conversationId !== 'expired0000000000000000' && value.conversationId !== old;
    }, before!.value.conversationId, { timeout: 15_000 });
    await customer.locator('.aspa-from-bot').first().waitFor();
    await context.close();
  });
});
