import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser } from 'playwright-core';
import { hashPassword } from '../../src/channels/web/agent-console/hash-password';
import { E2E_AGENT_TOKEN, ROOT, startE2eServer, steppedClock, type E2eServer } from './support/start-e2e-server';
import { login, PUBLIC_URL, scriptedDay, TWILIO_TOKEN } from './support/scripted-day';
import { launchChromium } from './support/launch-chromium';

const IMAGES = path.join(ROOT, 'docs', 'images');
/** 08:00 in Helsinki on Tuesday 24 November 2026. */
const DAY_START = Date.UTC(2026, 10, 24, 6, 0, 0);

/**
 * A day of chat and phone traffic through the real endpoints, then a service manager (a login with only the manager
 * role) opens the dashboard: the charts are there and every figure on the page is the JSON API's.
 */
describe('service dashboard in Chromium', () => {
  let server: E2eServer;
  let browser: Browser;
  const clock = steppedClock(DAY_START);

  beforeAll(async () => {
    fs.mkdirSync(IMAGES, { recursive: true });
    const usersFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aspa-e2e-users-')), 'users.json');
    fs.writeFileSync(usersFile, JSON.stringify([{ name: 'Minna Manager', passwordHash: await hashPassword('manager-pass-1'), roles: ['manager'] }]));
    server = await startE2eServer({ clock, env: { AGENT_USERS_FILE: usersFile, TWILIO_AUTH_TOKEN: TWILIO_TOKEN, PUBLIC_URL, ASPA_IDLE_TIMEOUT_MINUTES: '30' } });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows the day in charts, with the figures of the JSON API', async () => {
    const agentCookie = await login(server.baseUrl, 'Maija', E2E_AGENT_TOKEN);
    await scriptedDay(server.baseUrl, clock, agentCookie, DAY_START);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'fi-FI', timezoneId: 'Europe/Helsinki' });
    await context.route(/^(?!http:\/\/127\.0\.0\.1[:/]|ws:\/\/127\.0\.0\.1[:/]|data:)/, (route) => route.abort());
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()); });
    page.on('response', (response) => { if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`); });

    await page.goto(`${server.baseUrl}/agent`);
    await page.locator('#name').fill('Minna Manager');
    await page.locator('#password').fill('manager-pass-1');
    await page.locator('button[type=submit]').click();
    // A manager without the agent role lands on the dashboard, not on a queue they cannot work.
    await page.waitForURL(/\/agent\/dashboard$/);
    await page.locator('input[name=from]').fill('2026-11-24');
    await page.locator('input[name=to]').fill('2026-11-24');
    await page.locator('.filters button[type=submit]').click();
    await page.waitForURL(/from=2026-11-24/);

    for (const id of ['chart-contacts', 'chart-outcomes', 'chart-handoff-reasons', 'chart-topics', 'chart-surveys', 'chart-nps', 'chart-sentiment', 'chart-sla']) {
      await expect(page.locator(`svg#${id}`).count()).resolves.toBe(1);
    }
    await expect(page.locator('#chart-contacts rect').count()).resolves.toBeGreaterThan(0);

    const cookies = await context.cookies();
    const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const api = await (await fetch(`${server.baseUrl}/api/analytics/summary?from=2026-11-24&to=2026-11-24`, { headers: { cookie } })).json() as Record<string, any>;
    // The day as scripted: 8 conversations on two channels; both handoffs; the chats left without an answer.
    expect(api.conversations).toBe(8);
    expect(api.byChannel).toEqual({ web: 5, voice: 3 });
    expect(api.outcomes.handed_off).toBe(2);
    expect(api.outcomes.abandoned).toBe(2);
    expect(api.outcomes.in_progress).toBe(0);
    expect(api.csat.answers).toBeGreaterThanOrEqual(3);
    expect(api.firstAgentReply.count).toBe(1);
    expect(api.sla.reduce((sum: number, entry: { breached: number }) => sum + entry.breached, 0)).toBeGreaterThanOrEqual(1);

    const shown = async (metric: string) => page.locator(`.kpi[data-metric="${metric}"]`).getAttribute('data-value');
    const asNumber = (value: string | null) => (value === '' || value === null ? null : Number(value));
    expect(asNumber(await shown('conversations'))).toBe(api.conversations);
    expect(asNumber(await shown('containmentRate'))).toBe(api.containmentRate);
    expect(asNumber(await shown('abandonmentRate'))).toBe(api.abandonmentRate);
    expect(asNumber(await shown('firstContactResolution'))).toBe(api.firstContactResolution.rate);
    expect(asNumber(await shown('csat'))).toBe(api.csat.average);
    expect(asNumber(await shown('nps'))).toBe(api.nps.score);
    expect(asNumber(await shown('firstAgentReplyMedianMs'))).toBe(api.firstAgentReply.medianMs);
    expect(asNumber(await shown('resolutionMedianMs'))).toBe(api.resolution.medianMs);
    expect(asNumber(await shown('slaBreaches'))).toBe(api.sla.reduce((sum: number, entry: { breached: number }) => sum + entry.breached, 0));
    // The outcome table beside the chart says the same as the API.
    for (const [index, outcome] of ['resolved_by_bot', 'handed_off', 'abandoned', 'in_progress'].entries()) {
      await expect(page.locator('table.outcomes tbody tr').nth(index).locator('td').textContent()).resolves.toBe(String(api.outcomes[outcome]));
    }
    await page.screenshot({ path: path.join(IMAGES, 'dashboard.png'), fullPage: true });

    // Filters: the phone channel alone.
    await page.locator('select[name=channel]').selectOption('voice');
    await page.locator('.filters button[type=submit]').click();
    await page.waitForURL(/channel=voice/);
    await expect(page.locator('.kpi[data-metric="conversations"]').getAttribute('data-value')).resolves.toBe('3');

    // The CSV export: one row per conversation, no phone numbers.
    const csv = await (await fetch(`${server.baseUrl}/api/analytics/export/conversations.csv?from=2026-11-24&to=2026-11-24`, { headers: { cookie } })).text();
    expect(csv.trim().split('\r\n')).toHaveLength(9);
    expect(csv).not.toMatch(/358401110001/);
    const tickets = await (await fetch(`${server.baseUrl}/api/analytics/export/tickets.csv?from=2026-11-24&to=2026-11-24`, { headers: { cookie } })).text();
    expect(tickets.trim().split('\r\n')).toHaveLength(3);
    expect(tickets).not.toMatch(/358401110001/);

    expect(problems).toEqual([]);
    await context.close();
  });
});
