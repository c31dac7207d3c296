// The set-up every end-to-end suite (test/e2e/) shares beside the service (service.ts): the
// dealer the dealer-page suites sign in as, Chromium under Playwright, and the page audit (no
// sideways scroll, no serious or critical axe-core violation) with the place screenshots go.
// Each suite keeps only what it tests.
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../e2e/support/tools.js';
import type { TestService } from './service.js';

/** Creates the dealer the dealer-page suites sign in as; answers its API key and its best opportunity. */
export async function createDealer(e: TestService, token: string): Promise<{ apiKey: string; oppId: number }> {
  const created = await fetch(`${e.base}/admin/dealers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Lone Star Fleet Sales', zip: '75201', email: 'buyer@example.com' }),
  });
  if (created.status !== 201) throw new Error(`creating the dealer answered ${created.status}: ${await created.text()}`);
  const { apiKey } = (await created.json()) as { apiKey: string };
  const list = (await (
    await fetch(`${e.base}/api/opportunities?cursor=&limit=5&sort=headroom`, { headers: { 'x-api-key': apiKey } })
  ).json()) as { items: Array<{ id: number }> };
  return { apiKey, oppId: list.items[0]!.id };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

// The committed screenshots are refreshed only on request, so a test run leaves the tree clean.
export const SCREENSHOTS = join(import.meta.dirname, '..', '..', process.env.UPDATE_SCREENSHOTS ? 'docs' : 'reports', 'screenshots');

/** The screenshot directory, made if missing. */
export function screenshotDir(): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return SCREENSHOTS;
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** How far the page scrolls sideways, and its serious or critical axe-core violations. */
export async function audit(page: Page): Promise<{ overflow: number; violations: AxeViolation[] }> {
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
