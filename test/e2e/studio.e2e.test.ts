import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { loadConfig } from '../../src/config/load-config';
import { silentLogger } from '../../src/core/logger';
import { createAspa, type Aspa } from '../../src/server/composition';
import { createMemoryStores } from '../../src/stores/memory/create-memory-stores';
import { E2E_AGENT_TOKEN, openingHoursClock, ROOT } from './support/start-e2e-server';
import { launchChromium } from './support/launch-chromium';

const IMAGES = path.join(ROOT, 'docs', 'images');
const OLD_TEXT = 'Kerrotko tilausnumerosi? Löydät sen tilausvahvistuksesta, esimerkiksi 12345.';
const NEW_TEXT = 'Mikä on tilausnumerosi? Se on tilausvahvistuksessa, esimerkiksi 12345.';

/**
 * The studio in a real browser, on a copy of the demo bot: the diagram of the flows, a state's details, the try-it
 * chat in Finnish and as a phone caller, the conversation tests' coverage, and a message edited in the browser
 * going live in a new conversation without a restart. Screenshots go to docs/images/ (used in docs/flows.md).
 */
describe('flow studio in Chromium', () => {
  let dir: string;
  let aspa: Aspa;
  let base: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    fs.mkdirSync(IMAGES, { recursive: true });
    dir = fs.mkdtempSync(path.join(tmpdir(), 'aspa-studio-'));
    fs.cpSync(path.join(ROOT, 'flows'), path.join(dir, 'flows'), { recursive: true });
    fs.cpSync(path.join(ROOT, 'locales'), path.join(dir, 'locales'), { recursive: true });
    const clock = openingHoursClock();
    const config = loadConfig({
      ASPA_STORE: 'memory', LOG_LEVEL: 'silent', AGENT_TOKEN: E2E_AGENT_TOKEN, ASPA_WATCH_FLOWS: 'off',
      ASPA_DATA_DIR: path.join(ROOT, 'test-output', 'e2e-data'), ASPA_FLOWS_DIR: path.join(dir, 'flows'), ASPA_LOCALES_DIR: path.join(dir, 'locales'),
    }, ROOT);
    aspa = await createAspa(config, { clock, stores: createMemoryStores({ clock }), logger: silentLogger });
    base = `http://127.0.0.1:${await aspa.listen(0, '127.0.0.1')}`;
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'fi-FI' });
    // Nothing may leave loopback.
    await context.route(/^(?!http:\/\/127\.0\.0\.1[:/]|data:)/, (route) => route.abort());
    const login = await context.request.post(`${base}/api/agent/login`, { data: { name: 'Dina Designer', password: E2E_AGENT_TOKEN } });
    expect(login.status()).toBe(200);
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await aspa?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: path.join(IMAGES, `${name}.png`) });
  const botLines = () => page.locator('#try-log li.bot').allTextContents();

  it('draws the flows, shows a state, chats in Finnish and by phone, shows test coverage, and serves an edited message without a restart', async () => {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${base}/studio`);
    await page.locator('#flow-list button', { hasText: 'order_status' }).waitFor();
    // One button per flow file of the demo bot.
    const flowFiles = fs.readdirSync(path.join(ROOT, 'flows')).filter((name) => name.endsWith('.yaml'));
    expect(await page.locator('#flow-list button').count()).toBe(flowFiles.length);
    // The main flow's diagram: states, the global intents' "any state" node, subflow calls.
    await page.locator('svg.flow-diagram[data-flow="main"] .node[data-state="welcome"]').waitFor();
    expect(await page.locator('svg.flow-diagram .node[data-state="__any"]').count()).toBe(1);
    expect(await page.locator('svg.flow-diagram .edge.global').count()).toBeGreaterThan(3);

    // The order flow, and one state's details: its YAML with line numbers and its messages in three languages.
    await page.locator('#flow-list button', { hasText: 'order_status' }).click();
    await page.locator('svg.flow-diagram[data-flow="order_status"]').waitFor();
    await page.locator('.node[data-state="ask_number"]').click();
    await page.locator('#state-details h3', { hasText: 'order_status.ask_number' }).waitFor();
    const details = await page.locator('#state-details').textContent();
    expect(details).toContain('ask: order_status.ask_number');
    expect(details).toContain(OLD_TEXT);
    expect(details).toContain('☎ Kerrotko tilausnumerosi? Se on 5–8 numeroa');
    expect(details).toMatch(/What is your order number|order number/i);

    // Try it in Finnish: the greeting, then a question with its NLU result.
    await page.locator('#try-log li.bot').first().waitFor();
    await page.fill('#try-text', 'missä tilaukseni on?');
    await page.press('#try-text', 'Enter');
    await page.locator('#try-log li.customer .nlu').first().waitFor();
    expect(await page.locator('#try-log li.customer .nlu').first().textContent()).toMatch(/^order_status [01]\.\d\d/);
    await page.waitForFunction((text) => Array.from(document.querySelectorAll('#try-log li.bot')).some((li) => li.textContent?.includes(text)), OLD_TEXT);
    expect(await page.locator('#try-state').textContent()).toBe('order_status.ask_number');
    await shot('studio-flow-and-try-it');

    // As a phone caller: what would be spoken, then DTMF digits for the order number.
    await page.selectOption('#try-channel', 'voice');
    await page.locator('#try-log li.bot').first().waitFor();
    expect((await botLines()).join(' ')).toContain('☎');
    await page.fill('#try-text', 'tilauksen tila');
    await page.press('#try-text', 'Enter');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('#try-log li.bot')).some((li) => li.textContent?.includes('Voit myös näppäillä sen')));
    await page.fill('#try-dtmf', '12345');
    await page.click('#try-dtmf-send');
    await page.waitForFunction(() => document.querySelectorAll('#try-log li.customer').length >= 2 && document.querySelector('#try-state')?.textContent !== 'order_status.ask_number');
    await shot('studio-phone-try-it');

    // The conversation tests, and what they cover of the order flow: untested states dashed and listed.
    await page.click('#run-tests');
    await page.waitForFunction(() => /\d+ passed, 0 failed/.test(document.querySelector('#test-status')?.textContent ?? ''), undefined, { timeout: 90_000 });
    await page.locator('#flow-list button', { hasText: 'order_status' }).click();
    await page.locator('#coverage:not([hidden])').waitFor();
    expect(await page.locator('#coverage').textContent()).toMatch(/order_status: states \d+\/20, transitions \d+\/\d+ tested/);
    expect(await page.locator('svg.flow-diagram .node.uncovered').count()).toBeGreaterThan(0);
    expect(await page.locator('svg.flow-diagram .node.uncovered[data-state="ask_number"]').count()).toBe(0);
    await shot('studio-coverage');

    // Edit the message in the browser: a diff to confirm, validated with the whole bot, saved to the file and live.
    await page.locator('.node[data-state="ask_number"]').click();
    await page.locator('#state-details h3', { hasText: 'order_status.ask_number' }).waitFor();
    const before = await page.locator('#version').textContent();
    await page.locator('#state-details tr', { hasText: 'order_status.ask_number' }).locator('td').nth(1).locator('button.edit-message').click();
    await page.fill('#edit-text', NEW_TEXT);
    await page.click('#edit-preview');
    await page.locator('#edit-result pre.diff .added').first().waitFor();
    expect(await page.locator('#edit-result pre.diff .removed').first().textContent()).toContain(OLD_TEXT);
    expect(await page.locator('#edit-result pre.diff .added').first().textContent()).toContain(NEW_TEXT);
    await shot('studio-edit-message');
    expect(await page.locator('#edit-save').isDisabled()).toBe(false);
    await page.click('#edit-save');
    await page.waitForFunction((old) => document.querySelector('#version')?.textContent !== old, before);
    expect(await page.locator('#reload-status').textContent()).toBe('saved order_status.ask_number (fi) · activated');
    expect(fs.readFileSync(path.join(dir, 'locales', 'fi', 'messages.yaml'), 'utf8')).toContain(`text: "${NEW_TEXT}"`);

    // A new conversation gets the new text.
    await page.selectOption('#try-channel', 'web');
    await page.locator('#try-log li.bot').first().waitFor();
    await page.fill('#try-text', 'missä tilaukseni on?');
    await page.press('#try-text', 'Enter');
    await page.waitForFunction((text) => Array.from(document.querySelectorAll('#try-log li.bot')).some((li) => li.textContent?.includes(text)), NEW_TEXT);
    expect(errors).toEqual([]);
  });

  it('shows a refused change on its state with the fix, while the last good version keeps serving', async () => {
    const file = path.join(dir, 'flows', 'order_status.yaml');
    const good = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, good.replace('    next: lookup\n', '    next: lookpu\n'));
    try {
      const serving = await page.locator('#version').textContent();
      await page.click('#reload');
      await page.waitForFunction(() => document.querySelector('#reload-status')?.textContent?.startsWith('refused'));
      expect(await page.locator('#version').textContent()).toBe(serving);
      await page.locator('#problems:not([hidden])').waitFor();
      expect(await page.locator('#problems').textContent()).toContain('lookpu');
      await page.locator('#flow-list button', { hasText: 'order_status' }).click();
      await page.locator('svg.flow-diagram[data-flow="order_status"] .node.has-error[data-state="ask_number"]').waitFor();
      expect(await page.locator('.node.has-error[data-state="ask_number"] title').textContent()).toContain('Fix: use one of: lookup');
      await shot('studio-refused-change');
    } finally {
      fs.writeFileSync(file, good);
    }
  });

  it('lists the tests through a state, tries it from there with a slot, and edits an NLU example that the reloaded bot has', async () => {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${base}/studio`);
    await page.locator('#flow-list button', { hasText: 'order_status' }).click();
    await page.locator('svg.flow-diagram[data-flow="order_status"] .node[data-state="ask_number"]').click();
    // The first test ran the conversation tests on this server: the state names those that pass through it.
    await page.locator('#state-details .tests-here li').first().waitFor();
    expect(await page.locator('#state-details .tests-here strong').textContent()).toMatch(/^Tests passing through \(\d+\)$/);

    // Try it from here, with a slot value: the question is the bot's first line, and the conversation goes on from it.
    await page.fill('#try-at-slots', 'customer_name=Testi');
    await page.click('#try-at-start');
    await page.waitForFunction(() => document.querySelector('#try-log li.system')?.textContent?.startsWith('started at order_status.ask_number with customer_name=Testi'));
    expect(await page.locator('#try-state').textContent()).toBe('order_status.ask_number');
    await page.fill('#try-text', '12345');
    await page.press('#try-text', 'Enter');
    await page.waitForFunction(() => document.querySelector('#try-state')?.textContent !== 'order_status.ask_number');

    // An NLU example added in the browser: a diff, the whole bot validated, saved to nlu.yaml, reloaded (retrained).
    const example = 'mun tilaus on jumissa jossain';
    const before = await page.locator('#version').textContent();
    await page.click('#edit-nlu');
    await page.locator('#nlu-panel details[data-intent="order_status"] summary').click();
    await page.locator('#nlu-panel details[data-intent="order_status"] input.nlu-add').fill(example);
    await page.locator('#nlu-panel details[data-intent="order_status"] .nlu-add-form button').click();
    await page.locator('#nlu-result pre.diff .added').first().waitFor({ timeout: 60_000 });
    expect(await page.locator('#nlu-result pre.diff .added').first().textContent()).toContain(`- ${example}`);
    await shot('studio-edit-nlu');
    await page.click('#nlu-result button.nlu-save');
    await page.waitForFunction((old) => document.querySelector('#version')?.textContent !== old, before, { timeout: 90_000 });
    expect(await page.locator('#reload-status').textContent()).toBe('saved order_status (fi) · activated');
    expect(fs.readFileSync(path.join(dir, 'locales', 'fi', 'nlu.yaml'), 'utf8')).toContain(`    - ${example}\n`);
    // The panel shows the files again, with the example under its intent (still open).
    await page.waitForFunction((text) => Array.from(document.querySelectorAll('#nlu-panel details[data-intent="order_status"][open] li')).some((li) => li.textContent?.startsWith(text)), example);
    // The reloaded bot knows it: the try-it chat understands the new example as order_status.
    await page.click('#try-start');
    await page.locator('#try-log li.bot').first().waitFor();
    await page.fill('#try-text', example);
    await page.press('#try-text', 'Enter');
    await page.locator('#try-log li.customer .nlu').first().waitFor();
    expect(await page.locator('#try-log li.customer .nlu').first().textContent()).toMatch(/^order_status /);
    expect(errors).toEqual([]);
  });
});
