// The SRE console end to end in headless Chromium against a real server on port 0: sign in,
// toggle a flag, inject an SLO breach and watch its alert arrive over Server-Sent Events,
// then save a screenshot to docs/screenshots/console.png.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { startService, type RunningService } from '../../src/http/service.js';
import { SIGNALS } from '../../src/observability/signals.js';
import { ManualClock } from '../../src/common/clock.js';
import { CHROMIUM, CHROMIUM_ARGS, requireTool } from './support/tools.js';

const TOKEN = 'e2e-console-admin-token-0123456789';
// The committed screenshot is refreshed only on request, so a test run leaves the tree clean.
const SCREENSHOT = process.env.UPDATE_SCREENSHOTS
  ? join(import.meta.dirname, '..', '..', 'docs', 'screenshots', 'console.png')
  : join(import.meta.dirname, '..', '..', 'reports', 'screenshots', 'console.png');
const chromiumOk = requireTool(CHROMIUM);

describe.runIf(chromiumOk)('SRE console in Chromium', () => {
  let dir: string;
  let svc: RunningService;
  let browser: Browser;
  let page: Page;
  const clock = new ManualClock(Date.now());

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ds-console-e2e-'));
    svc = await startService(loadConfig({
      DEALERSCOPE_ENV: 'development', ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${join(dir, 'e2e.db')}`,
    }), { clock, logger: false, sample: false });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await svc?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('signs in, toggles a flag, shows an injected breach live and takes a screenshot', async () => {
    const base = svc.url.replace('localhost', '127.0.0.1');
    // Some real traffic so the P95 and error-rate tiles have samples.
    for (let i = 0; i < 40; i++) await fetch(`${base}/api/opportunities?page=1&limit=5`);

    await page.goto(`${base}/console`);
    expect(new URL(page.url()).pathname).toBe('/console/login');
    await page.fill('input[name="token"]', TOKEN);
    // A real form post: the browser sends its own Origin, which the CSRF origin check accepts.
    await Promise.all([page.waitForURL(/\/console(\?|$)/), page.click('form[action="/console/login"] button[type="submit"]')]);
    await page.goto(`${base}/console`);
    expect(new URL(page.url()).pathname).toBe('/console');
    await expect.poll(() => page.textContent('#stream-state')).toBe('live');

    // Toggle a flag with its form; the page reloads with the new value from the server.
    const before = svc.ctx.flags.get('ENABLE_TTL_JITTER');
    // The row also holds the percentage form; the toggle is the form named by data-flag.
    const toggle = page.locator('tr[data-flag-row="ENABLE_TTL_JITTER"] form[data-flag="ENABLE_TTL_JITTER"]');
    await toggle.locator('input[name="reason"]').fill('e2e toggle');
    await Promise.all([page.waitForURL(/result=flag-set/), toggle.locator('button[type="submit"]').click()]);
    expect(svc.ctx.flags.get('ENABLE_TTL_JITTER')).toBe(!before);
    expect(await page.locator('tr[data-flag-row="ENABLE_TTL_JITTER"] .flag-value').textContent()).toBe(before ? 'off' : 'on');
    await expect.poll(() => page.textContent('#stream-state')).toBe('live');

    // Inject a breach: the cache reports a 20 % hit rate and the SLO watch's next tick (on the
    // injected clock) raises an alert, which must reach the open page without a reload.
    svc.ctx.signals.register(SIGNALS.cacheHitRatio, () => 0.2);
    const alertsBefore = await page.locator('#alerts li.warning').count();
    clock.advance(15_000);
    const live = page.locator('#alerts li.warning .alert-title', { hasText: 'Cache hit rate 20.0 % breaks its gate' });
    await live.waitFor({ timeout: 10_000 });
    // Other tiles may breach on the same tick (this test process's RSS is real and can exceed 120 MB).
    expect(await page.locator('#alerts li.warning').count()).toBeGreaterThan(alertsBefore);
    expect(new URL(page.url()).searchParams.get('result')).toBe('flag-set'); // same page, no reload

    // The tiles refresh over the same stream and show the breach too.
    await expect.poll(() => page.getAttribute('.tile[data-key="hit_rate"]', 'class'), { timeout: 10_000 }).toContain('breach');

    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  }, 60_000);

  it('signs out with the header control: the session ends and its other open tab stops receiving alerts', async () => {
    const base = svc.url.replace('localhost', '127.0.0.1');
    // A second tab of the same session (a context of its own holding the same cookie).
    const tab = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    await tab.addCookies(await page.context().cookies());
    const other = await tab.newPage();
    await other.goto(`${base}/console`);
    await expect.poll(() => other.textContent('#stream-state')).toBe('live');
    await page.goto(`${base}/console`);
    await Promise.all([page.waitForURL(/\/console\/login$/), page.click('header form.signout button[type="submit"]')]);
    // The other tab's stream was ended by the server; its reconnect is refused (no session).
    await expect.poll(() => other.textContent('#stream-state'), { timeout: 10_000 }).toBe('reconnecting…');
    svc.app.observability.alerts.publish({ severity: 'critical', channel: 'alerts', source: 'e2e', title: 'after sign-out', detail: '' });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await other.locator('#alerts li', { hasText: 'after sign-out' }).count()).toBe(0);
    await other.goto(`${base}/console`);
    expect(new URL(other.url()).pathname).toBe('/console/login');
    await tab.close();
  }, 60_000);
});
