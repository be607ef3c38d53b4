import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import fs from 'node:fs';
import { type Browser } from 'playwright-core';
import { ROOT, startE2eServer, type E2eServer } from './support/start-e2e-server';
import { launchChromium } from './support/launch-chromium';

const OUT = path.join(ROOT, 'test-output', 'e2e');

/** Another company's site that embeds the widget with the one documented script tag. */
async function startHostSite(host: string, widgetSrc: () => string): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><html lang="en"><head><title>Shop</title>
<script src="${widgetSrc()}" data-locale="en" data-title="Revontuli Shop help" data-position="left" defer></script></head>
<body><h1>Revontuli Shop</h1><p>A page on another origin.</p></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    origin: `http://${host}:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('embedding the widget on another site', () => {
  let aspa: E2eServer;
  let browser: Browser;
  let allowed: { origin: string; close(): Promise<void> };
  let other: { origin: string; close(): Promise<void> };

  beforeAll(async () => {
    fs.mkdirSync(OUT, { recursive: true });
    const widgetSrc = () => `${aspa.baseUrl}/widget.js`;
    // Other loopback addresses are other origins, and traffic stays on this machine.
    allowed = await startHostSite('127.0.0.2', widgetSrc);
    other = await startHostSite('127.0.0.3', widgetSrc);
    aspa = await startE2eServer({ allowedOrigins: [allowed.origin] });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await aspa?.close();
    await allowed?.close();
    await other?.close();
  });

  it('works on an origin in WEB_ALLOWED_ORIGINS, with the data attributes applied', async () => {
    const context = await browser.newContext({ viewport: { width: 1024, height: 700 } });
    await context.route(/^(?!(http|ws):\/\/127\.0\.0\.\d+[:/]|data:)/, (route) => route.abort());
    const page = await context.newPage();
    await page.goto(`${allowed.origin}/`);
    await page.locator('.aspa-launcher').click();
    await expect(page.locator('.aspa-title').textContent()).resolves.toBe('Revontuli Shop help');
    await expect(page.locator('.aspa-root').getAttribute('class')).resolves.toContain('aspa-left');
    await expect(page.locator('.aspa-human').textContent()).resolves.toBe('Talk to a person');
    await page.locator('.aspa-from-bot').first().waitFor();
    await page.locator('#aspa-input').fill('when are you open');
    await page.keyboard.press('Enter');
    await page.locator('.aspa-from-customer.aspa-sending').waitFor({ state: 'detached' });
    await expect(page.locator('.aspa-from-bot').count()).resolves.toBeGreaterThan(1);
    await page.screenshot({ path: path.join(OUT, '10-embedded-allowed-origin.png') });
    await context.close();
  });

  it('stays hidden on an origin that is not allowed', async () => {
    const context = await browser.newContext();
    await context.route(/^(?!(http|ws):\/\/127\.0\.0\.\d+[:/]|data:)/, (route) => route.abort());
    const page = await context.newPage();
    const warning = page.waitForEvent('console', (message) => message.type() === 'warning' && message.text().includes('WEB_ALLOWED_ORIGINS'));
    await page.goto(`${other.origin}/`);
    await warning;
    await expect(page.locator('#aspa-widget').count()).resolves.toBe(0);
    const status = await page.evaluate(async (base) => (await fetch(`${base}/api/web/conversations`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }).catch(() => ({ status: 0 }))).status, aspa.baseUrl);
    expect(status).toBe(0); // the browser refuses: no CORS approval for this origin
    await context.close();
  });
});
