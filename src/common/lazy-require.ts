// Packages a serving replica may never need (HTML parsing for scraped or marked-up text, CSV
// parsing for imports) are loaded on first use instead of at start-up: module source and bytecode
// stay on the heap for the life of the process, and full cheerio alone is ~25 MB of RSS, against a
// phase-1 budget of 85 MB idle. A synchronous require keeps their callers synchronous; it loads the
// packages' CommonJS builds, so every caller must take them through here (one copy per process).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** A getter that requires `specifier` the first time it is called. */
export function lazyRequire<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(specifier) as T);
}
