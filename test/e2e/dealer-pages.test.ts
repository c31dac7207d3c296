// The dealer's pages end to end in headless Chromium against a real server with the bundled
// sample data: sign in with a dealer key, then every dealer page at 390 px (a phone) and 1440 px
// wide must not scroll sideways and must have no serious or critical axe-core violations.
// Screenshots go to docs/screenshots/ with UPDATE_SCREENSHOTS=1, else to reports/screenshots/.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { startService, type RunningService } from '../../src/http/service.js';
import { CHROMIUM, CHROMIUM_ARGS, requireTool } from './support/tools.js';

const TOKEN = 'e2e-dealer-admin-token-0123456789';
const SHOTS = join(import.meta.dirname, '..', '..', process.env.UPDATE_SCREENSHOTS ? 'docs' : 'reports', 'screenshots');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const chromiumOk = requireTool(CHROMIUM);

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

async function audit(page: Page): Promise<{ overflow: number; violations: AxeViolation[] }> {
  await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => {
    const r = await (window as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe.run();
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target })),
    }));
  });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  return { overflow, violations: violations.filter((v) => v.impact === 'serious' || v.impact === 'critical') };
}

describe.runIf(chromiumOk)('dealer pages in Chromium', () => {
  let dir: string;
  let svc: RunningService;
  let browser: Browser;
  let base: string;
  let apiKey: string;
  let oppId: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ds-dealer-e2e-'));
    mkdirSync(SHOTS, { recursive: true });
    svc = await startService(
      loadConfig({
        DEALERSCOPE_ENV: 'development',
        ADMIN_TOKEN: TOKEN,
        LOG_LEVEL: 'silent',
        PORT: '0',
        HOST: '127.0.0.1',
        RATE_LIMIT_PER_MINUTE: '100000',
        DATABASE_URL: `sqlite:${join(dir, 'e2e.db')}`,
      }),
      { logger: false, sample: true },
    );
    base = svc.url.replace('localhost', '127.0.0.1');
    const created = await fetch(`${base}/admin/dealers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Lone Star Fleet Sales', zip: '75201', email: 'buyer@example.com' }),
    });
    apiKey = (await created.json()).apiKey;
    const list = await (
      await fetch(`${base}/api/opportunities?cursor=&limit=5&sort=headroom`, { headers: { 'x-api-key': apiKey } })
    ).json();
    oppId = list.items[0].id;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await svc?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
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
