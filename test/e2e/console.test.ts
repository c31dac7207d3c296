// The SRE console end to end in headless Chromium against a real server on port 0: sign in,
// change a flag through its confirmation page, inject an SLO breach and watch its alert arrive
// over Server-Sent Events; every dangerous action refuses a blank reason (400 naming the field)
// and asks for a typed confirmation; every console page at 390 px (a phone) and 1440 px must not
// scroll sideways and must have no serious or critical axe-core violations.
// Screenshots go to docs/screenshots/ with UPDATE_SCREENSHOTS=1, else to reports/screenshots/.
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/http/service.js';
import { SIGNALS } from '../../src/observability/signals.js';
import { ManualClock } from '../../src/common/clock.js';
import { audit, launchChromium, screenshotDir } from '../support/e2e.js';
import { startTestService, type TestService } from '../support/service.js';
import { CHROMIUM, requireTool } from './support/tools.js';

const TOKEN = 'e2e-console-admin-token-0123456789';
const chromiumOk = requireTool(CHROMIUM);

/** Submits a form and resolves with the status of its POST (the page then shows the answer). */
async function submit(page: Page, form: Locator, opts: { skipBrowserChecks?: boolean } = {}): Promise<number> {
  // The browser's own `required` check would stop a blank field before it is sent; the server's
  // answer is what these tests are about.
  if (opts.skipBrowserChecks)
    await form.evaluate((f) => {
      (f as HTMLFormElement).noValidate = true;
    });
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname.startsWith('/console/')),
    form.locator('button[type="submit"]').click(),
  ]);
  await page.waitForLoadState();
  return res.status();
}

describe.runIf(chromiumOk)('SRE console in Chromium', () => {
  let e2e: TestService;
  let svc: RunningService;
  let SHOTS: string;
  let browser: Browser;
  let page: Page;
  let base: string;
  const clock = new ManualClock(Date.now());
  const admin = (path: string, body: unknown) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  async function signIn(p: Page): Promise<void> {
    await p.goto(`${base}/console`);
    expect(new URL(p.url()).pathname).toBe('/console/login');
    await p.fill('input[name="token"]', TOKEN);
    // A real form post: the browser sends its own Origin, which the CSRF origin check accepts.
    await Promise.all([p.waitForURL(/\/console(\?|$)/), p.click('form[action="/console/login"] button[type="submit"]')]);
  }

  beforeAll(async () => {
    SHOTS = screenshotDir();
    e2e = await startTestService({ token: TOKEN, name: 'console-e2e', sample: false, clock });
    ({ svc, base } = e2e);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await e2e?.close();
  });

  it('signs in, toggles a flag through its confirmation, shows an injected breach live', async () => {
    // Some real traffic so the P95 and error-rate tiles have samples.
    for (let i = 0; i < 40; i++) await fetch(`${base}/api/opportunities?page=1&limit=5`);
    await signIn(page);
    await page.goto(`${base}/console`);
    expect(new URL(page.url()).pathname).toBe('/console');
    await expect.poll(() => page.textContent('#stream-state')).toBe('live');

    // Toggle a flag: its form leads to a confirmation page, whose typed confirmation applies it.
    const before = svc.ctx.flags.get('ENABLE_TTL_JITTER');
    // The row also holds the percentage form; the toggle is the form named by data-flag.
    const toggle = page.locator('tr[data-flag-row="ENABLE_TTL_JITTER"] form[data-flag="ENABLE_TTL_JITTER"]');
    await toggle.locator('input[name="reason"]').fill('e2e toggle');
    expect(await submit(page, toggle)).toBe(200);
    expect(svc.ctx.flags.get('ENABLE_TTL_JITTER')).toBe(before);
    const confirm = page.locator('form.confirm');
    await confirm.locator('input[name="confirm"]').fill('ENABLE_TTL_JITTER');
    await Promise.all([page.waitForURL(/result=flag-set/), confirm.locator('button[type="submit"]').click()]);
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
  }, 60_000);

  it('refuses the kill switch without a reason (400 naming `reason`) or without the typed flag name; confirmed, it applies with the reason audited', async () => {
    await page.goto(`${base}/console`);
    const kill = page.locator('form[data-flag="EMERGENCY_ROLLBACK"]');
    expect(await submit(page, kill, { skipBrowserChecks: true })).toBe(400);
    expect(await page.locator('[role="alert"]').textContent()).toMatch(/\breason\b/);
    expect(await page.locator('[aria-invalid="true"]').getAttribute('name')).toBe('reason');
    expect(svc.ctx.flags.snapshot().emergency).toBe(false);

    // The refusal page keeps the form: give the reason there and go on to the confirmation.
    const reasonForm = page.locator('form.confirm');
    await reasonForm.locator('input[name="reason"]').fill('e2e drill: kill switch');
    expect(await submit(page, reasonForm)).toBe(200);
    expect(await page.textContent('main')).toContain('You are about to turn EMERGENCY_ROLLBACK on');
    const confirm = page.locator('form.confirm');
    await confirm.locator('input[name="confirm"]').fill('EMERGENCY');
    expect(await submit(page, confirm)).toBe(400);
    expect(await page.locator('[role="alert"]').textContent()).toMatch(/\bconfirm\b/);
    expect(svc.ctx.flags.snapshot().emergency).toBe(false);

    await page.locator('form.confirm input[name="confirm"]').fill('EMERGENCY_ROLLBACK');
    expect(await submit(page, page.locator('form.confirm'))).toBe(303); // back to the overview
    expect(new URL(page.url()).searchParams.get('result')).toBe('flag-set');
    expect(svc.ctx.flags.snapshot().emergency).toBe(true);
    const [entry] = await svc.ctx.flagControl.audit(1, 'EMERGENCY_ROLLBACK');
    expect(entry).toMatchObject({ flag: 'EMERGENCY_ROLLBACK', new: true, reason: 'e2e drill: kill switch' });
    expect(await page.locator('#flag-changes').textContent()).toContain('e2e drill: kill switch');

    // And off again, through the same two steps.
    const off = page.locator('form[data-flag="EMERGENCY_ROLLBACK"]');
    await off.locator('input[name="reason"]').fill('e2e drill over');
    expect(await submit(page, off)).toBe(200);
    await page.locator('form.confirm input[name="confirm"]').fill('EMERGENCY_ROLLBACK');
    expect(await submit(page, page.locator('form.confirm'))).toBe(303);
    expect(svc.ctx.flags.snapshot().emergency).toBe(false);
  }, 60_000);

  it('a rollback needs a reason and the typed word; the reason lands in the decision record', async () => {
    await page.goto(`${base}/console`);
    const phase = (await svc.ctx.rollout.status()).effectivePhase;
    const form = page.locator('form.rollout-rollback');
    expect(await submit(page, form, { skipBrowserChecks: true })).toBe(400);
    expect(await page.locator('[role="alert"]').textContent()).toMatch(/\breason\b/);
    expect((await svc.ctx.rollout.status()).effectivePhase).toBe(phase);

    await page.locator('form.confirm input[name="reason"]').fill('e2e: p95 regressed after the deploy');
    expect(await submit(page, page.locator('form.confirm'))).toBe(200);
    expect(await page.textContent('main')).toMatch(/You are about to roll back/);
    await page.locator('form.confirm input[name="confirm"]').fill('rollback');
    expect(await submit(page, page.locator('form.confirm'))).toBe(303);
    expect(new URL(page.url()).searchParams.get('result')).toBe('rolled-back');
    expect((await svc.ctx.rollout.status()).effectivePhase).toBe(Number(phase) - 1);
    const [decision] = await svc.ctx.rollout.decisions(1);
    expect(decision).toMatchObject({ kind: 'rollback', reason: 'e2e: p95 regressed after the deploy' });
    expect(await page.locator('#decisions tr.decision-rollback').first().textContent()).toContain('e2e: p95 regressed after the deploy');
  }, 60_000);

  for (const width of [390, 1440]) {
    it(`every console page at ${width} px: no sideways scroll, no serious or critical axe violations`, async () => {
      // Something in every section: a percentage rollout (the canary table) and an open incident.
      expect((await admin('/admin/feature-flags', { ENABLE_SINGLE_FLIGHT: { percentage: 25 } })).status).toBe(200);
      if (width === 390)
        expect((await admin('/admin/incidents', { title: 'e2e: checkout latency over budget', userFacing: false })).status).toBeLessThan(
          300,
        );

      const anonymous = await browser.newContext({ viewport: { width, height: 900 }, bypassCSP: true });
      const loginPage = await anonymous.newPage();
      await loginPage.goto(`${base}/console/login`);
      const login = await audit(loginPage);
      expect(login.overflow, 'login scrolls sideways').toBeLessThanOrEqual(0);
      expect(login.violations, 'login').toEqual([]);
      await loginPage.screenshot({ path: join(SHOTS, `console-login-${width}.png`), fullPage: true });
      await anonymous.close();

      const context: BrowserContext = await browser.newContext({ viewport: { width, height: 900 }, bypassCSP: true });
      const p = await context.newPage();
      await signIn(p);
      const check = async (name: string) => {
        const r = await audit(p);
        expect(r.overflow, `${name} scrolls sideways by ${r.overflow} px`).toBeLessThanOrEqual(0);
        expect(r.violations, name).toEqual([]);
        await p.screenshot({ path: join(SHOTS, `console-${name}-${width}.png`), fullPage: true });
      };
      await p.goto(`${base}/console`);
      expect(await p.locator('#canary tr[data-canary-flag="ENABLE_SINGLE_FLIGHT"]').count()).toBe(1);
      await check('main');
      await p.locator('#canary').screenshot({ path: join(SHOTS, `console-canary-${width}.png`) });

      const toggle = p.locator('form[data-flag="ENABLE_TTL_JITTER"]');
      expect(await submit(p, toggle, { skipBrowserChecks: true })).toBe(400);
      await check('refused');
      await p.locator('form.confirm input[name="reason"]').fill('screenshot of the confirmation page');
      expect(await submit(p, p.locator('form.confirm'))).toBe(200);
      await check('confirm');

      await p.goto(`${base}/console/incidents`);
      expect(await p.textContent('main')).toContain('e2e: checkout latency over budget');
      await check('incidents');
      await context.close();
    }, 120_000);
  }

  it('signs out with the header control: the session ends and its other open tab stops receiving alerts', async () => {
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
