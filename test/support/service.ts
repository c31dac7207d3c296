// A real service, listening on port 0, over a fresh SQLite file in a directory of the suite's own:
// the suites that talk to it over HTTP (end to end in Chromium, Prometheus scraping it, the
// OpenFeature provider polling it) start it the same way.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/common/clock.js';
import { loadConfig } from '../../src/config/index.js';
import { startService, type RunningService } from '../../src/http/service.js';

export interface TestService {
  svc: RunningService;
  /** The service's address, by IP (a browser or Prometheus reaches it there). */
  base: string;
  /** A directory of the suite's own, removed by close(): the database lives here. */
  dir: string;
  close(): Promise<void>;
}

/** Starts the service in development on a fresh SQLite database, with the sample data when asked. */
export async function startTestService(o: {
  token: string;
  name: string;
  sample: boolean;
  clock?: Clock;
  env?: Record<string, string>;
}): Promise<TestService> {
  const dir = mkdtempSync(join(tmpdir(), `ds-${o.name}-`));
  let svc: RunningService;
  try {
    svc = await startService(
      loadConfig({
        DEALERSCOPE_ENV: 'development',
        ADMIN_TOKEN: o.token,
        LOG_LEVEL: 'silent',
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: `sqlite:${join(dir, 'service.db')}`,
        ...o.env,
      }),
      { clock: o.clock, logger: false, sample: o.sample },
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    svc,
    dir,
    base: svc.url.replace('localhost', '127.0.0.1'),
    async close() {
      await svc.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
