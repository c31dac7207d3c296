#!/usr/bin/env node
// The CLI runs the compiled output so start-up stays fast and memory low; `npm install` builds it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('dealerscope: not built yet — run `npm install` (or `npm run build`) in the checkout first.');
  process.exit(1);
}
await import(entry.href);
