// Chromium for browser-pool tests: present, or (in CI) a failure rather than a silent skip.
import { accessSync, constants } from 'node:fs';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumAvailable(path = CHROMIUM_PATH): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function requireChromium(): boolean {
  const ok = chromiumAvailable();
  if (!ok && process.env.CI) throw new Error(`Chromium is required in CI but ${CHROMIUM_PATH} is missing or not executable`);
  return ok;
}
