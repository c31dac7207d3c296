// Builds the real app on a test database, for app.inject() or a port-0 listener.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config/env.js';
import type { AppContext } from '../../src/http/context.js';
import { buildApp } from '../../src/http/app.js';
import { createContext } from '../../src/http/service.js';
import { systemClock, type Clock } from '../../src/common/clock.js';
import type { Db } from '../../src/storage/db.js';

export interface TestApp {
  app: FastifyInstance;
  ctx: AppContext;
}

export async function buildTestApp(
  db: Db,
  env: Record<string, string> = {},
  clock?: Clock,
  /** Log lines go here, at LOG_LEVEL; without it the app does not log. */
  logStream?: { write(line: string): void },
): Promise<TestApp> {
  const ctx = await createContext(testConfig(env), { db, clock });
  const app = await buildApp(ctx, logStream ? { logStream } : { logger: false });
  await app.ready();
  return { app, ctx };
}

/** The service configuration tests run with, plus `env`. */
export function testConfig(env: Record<string, string> = {}) {
  return loadConfig({
    DEALERSCOPE_ENV: 'development',
    ADMIN_TOKEN: 'test-admin-token-0123456789',
    LOG_LEVEL: 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
    // Suites make hundreds of requests from one address; the limiter's own tests set a real limit.
    RATE_LIMIT_PER_MINUTE: '1000000',
    // Kept snapshots (uploads in tests) go to a temporary directory, never into the checkout.
    SNAPSHOT_DIR: mkdtempSync(join(tmpdir(), 'ds-test-snapshots-')),
    ...env,
  });
}

/**
 * A clock that reads `at` when the test starts and runs on from there in real time (real timers):
 * fixtures dated around `at` stay live, so "has this auction ended" does not depend on the day the
 * suite runs.
 */
export function clockFrom(at: number): Clock {
  const start = Date.now();
  return { now: () => at + (Date.now() - start), setTimeout: systemClock.setTimeout };
}
