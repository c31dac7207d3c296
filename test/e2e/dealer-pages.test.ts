// The dealer's pages end to end in headless Chromium against a real server with the bundled
// sample data: sign in with a dealer key, then every dealer page at 390 px (a phone) and 1440 px
// wide must not scroll sideways and must have no serious or critical axe-core violations.
// Screenshots go to docs/screenshots/ with UPDATE_SCREENSHOTS=1, else to reports/screenshots/.
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit, createDealer, launchChromium, screenshotDir } from '../support/e2e.js';
import { startTestService, type TestService } from '../support/service.js';
import { CHROMIUM, requireTool } from './support/tools.js';

const TOKEN = 'e2e-dealer-admin-token-0123456789';
const chromiumOk = requireTool(CHROMIUM);

describe.runIf(chromiumOk)('dealer pages in Chromium', () => {
  let e2e: TestService;
  let SHOTS: string;
  let browser: Browser;
  let base: string;
  let apiKey: string;
  let oppId: number;

  beforeAll(async () => {
    SHOTS = screenshotDir();
    e2e = await startTestService({ token: TOKEN, name: 'dealer-e2e', sample: true, env: { RATE_LIMIT_PER_MINUTE: '100000' } });
    base = e2e.base;
    ({ apiKey, oppId } = await createDealer(e2e, TOKEN));
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await e2e?.close();
  });

  async function signedIn(width: number): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width, height: 900 }, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await page.fill('input[name="apiKey"]', apiKey);
    await Promise.all([page.waitForURL(`${base}/`), page.click('form[action="/login"] button[type="submit"]')]);
    return { context, page };
  }

  for (const width of [390, 1440]) {
    it(`every dealer page at ${width} px: no sideways scroll, no serious or critical axe violations`, async () => {
      const anonymous = await browser.newContext({ viewport: { width, height: 900 }, bypassCSP: true });
      const loginPage = await anonymous.newPage();
      await loginPage.goto(`${base}/login`);
      const login = await audit(loginPage);
      expect(login.overflow, 'login overflow').toBeLessThanOrEqual(0);
      expect(login.violations, 'login').toEqual([]);
      await loginPage.screenshot({ path: join(SHOTS, `dealer-login-${width}.png`), fullPage: true });
      await anonymous.close();

      const { context, page } = await signedIn(width);
      expect(await page.textContent('.summary')).toContain('figures for Lone Star Fleet Sales');
      // Watch one so the watchlist page has something on it.
      await page.goto(`${base}/o/${oppId}`);
      if ((await page.locator('form[action$="/delete"] button', { hasText: 'Stop watching' }).count()) === 0) {
        await Promise.all([page.waitForURL(`${base}/o/${oppId}`), page.click(`form[action="/watchlist/${oppId}"] button`)]);
      }
      for (const [name, path] of [
        ['list', '/?sort=headroom'],
        ['opportunity', `/o/${oppId}`],
        ['searches', '/searches'],
        ['watchlist', '/watchlist'],
      ] as const) {
        await page.goto(`${base}${path}`);
        const r = await audit(page);
        expect(r.overflow, `${name} scrolls sideways by ${r.overflow} px`).toBeLessThanOrEqual(0);
        expect(r.violations, name).toEqual([]);
        await page.screenshot({ path: join(SHOTS, `dealer-${name}-${width}.png`), fullPage: name !== 'list' });
      }
      expect(await page.textContent('main')).toContain('Watchlist');
      await context.close();
    }, 120_000);
  }

  it('locks out an address after repeated wrong keys', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    let status = 0;
    for (let i = 0; i < 11; i++) {
      await page.goto(`${base}/login`);
      await page.fill('input[name="apiKey"]', `dsk_wrong${i}`);
      const [res] = await Promise.all([
        page.waitForResponse((r) => r.url() === `${base}/login` && r.request().method() === 'POST'),
        page.click('form[action="/login"] button[type="submit"]'),
      ]);
      status = res.status();
    }
    expect(status).toBe(429);
    expect(await page.textContent('main')).toContain('Too many sign-in attempts');
    await context.close();
  }, 60_000);
});
