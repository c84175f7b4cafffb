import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { committed } from '../support/contract.js';
import { startTestSystem, type TestSystem } from '../support/test-system.js';

/**
 * /docs in a real headless Chromium (Debian's `chromium`, driven by playwright-core): the page
 * renders the API's operations from this process alone, under its CSP, and a screenshot is kept.
 * Without Chromium the suite skips loudly, except under CI=true (`.ci/run` installs it).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) {
  if (process.env.CI === 'true') throw new Error(`docs page test: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
  console.warn(`\n*** SKIPPING the /docs browser test: no Chromium at ${CHROMIUM} (apt-get install -y chromium) ***\n`);
}

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe.skipIf(!available)('the API reference page in headless Chromium', () => {
  let sys: TestSystem;
  let dir: string;
  let browser: BrowserContext;

  beforeAll(async () => {
    sys = await startTestSystem();
    dir = await mkdtemp(join(tmpdir(), 'mercato-docs-'));
    // A fresh profile per run (launchPersistentContext passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(join(dir, 'profile'), { executablePath: CHROMIUM, headless: true, args: FLAGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await sys?.stop();
    if (dir && process.env.KEEP_DOCS_SCREENSHOT !== '1') await rm(dir, { recursive: true, force: true });
  });

  it('renders every operation, loads nothing from elsewhere and breaks no rule of its CSP', async () => {
    const page = await browser.newPage();
    const foreign: string[] = [];
    const failed: string[] = [];
    const consoleErrors: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(sys.url) && !request.url().startsWith('data:')) foreign.push(request.url());
    });
    page.on('requestfailed', (request) => failed.push(`${request.url()} ${request.failure()?.errorText}`));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });

    // Every CSP violation, as the page itself sees it.
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
    });

    const response = await page.goto(`${sys.url}/docs`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self'(;|$)/);
    await page.waitForSelector('.opblock', { timeout: 30_000 });

    const doc = committed('openapi.json');
    const operations = Object.values<Record<string, unknown>>(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
    await expect.poll(() => page.locator('.opblock').count(), { timeout: 10_000 }).toBe(operations);
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's Locator.innerText, the text as rendered, is what a reader sees.
    const text = await page.locator('#swagger-ui').innerText();
    expect(text).toContain('Mercato API');
    for (const id of ['placeOrder', 'issueToken', 'listProducts', 'getOrder']) expect(text).toContain(id);

    // Open one operation: its parameters, body schema and examples render too.
    await page.locator('#operations-orders-placeOrder .opblock-summary').click();
    await page.getByText('Idempotency-Key').first().waitFor({ timeout: 10_000 });

    const screenshot = join(dir, 'docs.png');
    await page.screenshot({ path: screenshot, fullPage: false });
    expect((await stat(screenshot)).size).toBeGreaterThan(10_000);
    console.log(`docs page: ${operations} operations rendered; screenshot ${screenshot}`);

    expect(foreign).toEqual([]);
    expect(failed).toEqual([]);
    expect(consoleErrors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
  }, 90_000);
});
