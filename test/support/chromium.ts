// Chromium for browser-pool tests: present, or a failure unless the run opted out of it.
import { accessSync, constants } from 'node:fs';
import { requireComponent } from './components.js';

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
  return requireComponent('chromium', chromiumAvailable(), CHROMIUM_PATH);
}
