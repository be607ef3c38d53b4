import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT, startE2eServer, type E2eServer } from './support/start-e2e-server';
import { launchChromium } from './support/launch-chromium';

const IMAGES = path.join(ROOT, 'docs', 'images');

/**
 * The widget's manners: bot messages one after another behind the typing indicator (all at once with reduced motion),
 * one name per group of bubbles, times on hover, the chrome in the conversation's language, no first-message
 * "let's continue in English", and a page load without errors or 404s.
 */
describe('widget polish in Chromium', () => {
  let server: E2eServer;
  let browser: Browser;

  beforeAll(async () => {
    fs.mkdirSync(IMAGES, { recursive: true });
    server = await startE2eServer();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(options: { reducedMotion?: 'reduce' } = {}): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fi-FI', timezoneId: 'Europe/Helsinki', ...options });
    await context.route(/^(?!http:\/\/127\.0\.0\.1[:/]|ws:\/\/127\.0\.0\.1[:/]|data:)/, (route) => route.abort());
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => { if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`); });
    page.on('response', (response) => { if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`); });
    await page.goto(`${server.baseUrl}/`);
    return { context, page, problems };
  }

  it('paces bot messages behind the typing indicator, groups them, shows times on hover', async () => {
    const { context, page, problems } = await open();
    await page.locator('.aspa-launcher').click();
    const bot = page.locator('.aspa-from-bot');
    await bot.first().waitFor();
    // The greeting has two messages: the second comes after the typing indicator, not with the first.
    await expect(bot.count()).resolves.toBe(1);
    await page.locator('.aspa-typing').waitFor({ state: 'visible' });
    await bot.nth(1).waitFor();
    await page.locator('.aspa-typing').waitFor({ state: 'hidden' });
    // Screen readers had the whole reply at once.
    await expect(page.locator('.aspa-announcer').textContent()).resolves.toContain(await bot.nth(1).locator('.aspa-text').textContent() ?? '–');

    // One name for the group: the second bubble's name is only for screen readers.
    await expect(bot.nth(0).getAttribute('class')).resolves.not.toContain('aspa-grouped');
    await expect(bot.nth(1).getAttribute('class')).resolves.toContain('aspa-grouped');
    expect((await bot.nth(0).locator('.aspa-who').boundingBox())?.width ?? 0).toBeGreaterThan(10);
    expect((await bot.nth(1).locator('.aspa-who').boundingBox())?.width ?? 0).toBeLessThanOrEqual(1);

    // The time shows on hover.
    const time = bot.nth(1).locator('time.aspa-time');
    expect((await time.boundingBox())?.width ?? 0).toBeLessThanOrEqual(1);
    await bot.nth(1).hover();
    expect((await time.boundingBox())?.width ?? 0).toBeGreaterThan(10);
    await expect(time.textContent()).resolves.toMatch(/^\d{1,2}[.:]\d{2}/);
    await page.screenshot({ path: path.join(IMAGES, 'widget-grouped.png') });

    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows a reply all at once to users who prefer reduced motion', async () => {
    const { context, page, problems } = await open({ reducedMotion: 'reduce' });
    await page.locator('.aspa-launcher').click();
    await page.locator('.aspa-from-bot').first().waitFor();
    await expect(page.locator('.aspa-from-bot').count()).resolves.toBe(2);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('an English first message gets an English answer without a language-switch line, and the chrome follows', async () => {
    const { context, page, problems } = await open();
    await page.locator('.aspa-launcher').click();
    await page.locator('.aspa-from-bot').nth(1).waitFor();
    await expect(page.locator('.aspa-send').textContent()).resolves.toBe('Lähetä');

    await page.locator('#aspa-input').fill('where is my order');
    await page.keyboard.press('Enter');
    await page.locator('.aspa-from-bot', { hasText: 'order number' }).waitFor();
    await expect(page.locator('.aspa-msg', { hasText: /continue in English/i }).count()).resolves.toBe(0);
    await expect(page.locator('.aspa-send').textContent()).resolves.toBe('Send');
    await expect(page.locator('#aspa-input').getAttribute('placeholder')).resolves.toBe('Type a message…');
    await expect(page.locator('.aspa-root').getAttribute('lang')).resolves.toBe('en');

    // A switch later in the conversation is confirmed, and the chrome goes along.
    await page.locator('#aspa-input').fill('på svenska tack');
    await page.keyboard.press('Enter');
    await page.locator('.aspa-from-bot', { hasText: 'fortsätter på svenska' }).waitFor();
    await expect(page.locator('.aspa-send').textContent()).resolves.toBe('Skicka');
    await page.locator('.aspa-root[data-pacing]').waitFor({ state: 'detached' });

    // A reload keeps the conversation's language for the chrome.
    await page.reload();
    await page.locator('.aspa-from-bot', { hasText: 'fortsätter på svenska' }).waitFor();
    await expect(page.locator('.aspa-send').textContent()).resolves.toBe('Skicka');
    await page.screenshot({ path: path.join(IMAGES, 'widget-language.png') });

    expect(problems).toEqual([]);
    await context.close();
  });
});
