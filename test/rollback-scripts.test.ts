// The plan's three rollback scripts against a live server on port 0, with their exit codes.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/env.js';
import { phaseValues, type FlagValues } from '../src/flags/registry.js';
import { startService, type RunningService } from '../src/http/service.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { freePort } from './support/redis.js';

const TOKEN = 'test-admin-token-0123456789';
const SCRIPTS = join(import.meta.dirname, '..', 'scripts');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function script(name: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(join(SCRIPTS, name), args, { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('rollback scripts against a live server', () => {
  let tdb: TestDb;
  let svc: RunningService;
  let env: Record<string, string>;
  const run = (name: string, ...args: string[]) => script(name, args, env);
  const flags = () => svc.ctx.flags.snapshot().flags as FlagValues;

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    svc = await startService(
      loadConfig({
        DEALERSCOPE_ENV: 'production',
        ADMIN_TOKEN: TOKEN,
        LOG_LEVEL: 'silent',
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: tdb.url,
      }),
      { sample: false, logger: false },
    );
    env = { DEALERSCOPE_URL: svc.url, ADMIN_TOKEN: TOKEN };
    await svc.ctx.flagControl.setPhase(4, { actor: 'test', reason: 'start at phase 4' });
    // An operator's override that would keep a phase-3 feature on through a phase rollback.
    await svc.ctx.flagControl.setOverrides({ ENABLE_ANOMALY_DETECTION: true }, { actor: 'test', reason: 'pinned on' });
  });
  afterAll(async () => {
    await svc.close();
    await tdb.drop();
  });

  it('answer --help with 0, bad usage with 2, a wrong token or no server with 3', async () => {
    for (const s of ['rollback-feature-flags.sh', 'rollback-phase.sh', 'validate-rollback.sh']) {
      const help = await run(s, '--help');
      expect(help.code, s).toBe(0);
      expect(help.stdout).toContain('Usage:');
      expect((await run(s, '--bogus')).code, s).toBe(2);
    }
    expect((await run('rollback-feature-flags.sh')).code).toBe(2);
    expect((await run('rollback-feature-flags.sh', '--phase=5')).code).toBe(2);
    expect((await run('rollback-phase.sh', '--phase=4')).code).toBe(2);
    expect((await script('validate-rollback.sh', ['--phase=3'], { ...env, ADMIN_TOKEN: 'wrong-token-wrong-token' })).code).toBe(3);
    const port = await freePort();
    expect((await script('rollback-feature-flags.sh', ['--phase=4'], { ...env, DEALERSCOPE_URL: `http://127.0.0.1:${port}` })).code).toBe(
      3,
    );
    // rollback-phase.sh reads the registry in a subshell first: its 3 and its message pass through once.
    for (const bad of [{ ADMIN_TOKEN: 'wrong-token-wrong-token' }, { DEALERSCOPE_URL: `http://127.0.0.1:${port}` }] as Array<
      Record<string, string>
    >) {
      const r = await script('rollback-phase.sh', ['--phase=4', '--features=browser_pool'], { ...env, ...bad });
      expect(r.code, JSON.stringify(bad)).toBe(3);
      expect(r.stderr.match(/rollback-phase\.sh:/g), r.stderr).toHaveLength(1);
    }
    const unknown = await run('rollback-phase.sh', '--phase=4', '--features=warp_drive');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown feature: warp_drive');
    expect(unknown.stderr).not.toContain('jq: error');
    expect(flags().CACHE_PROVIDER).toBe('redis'); // nothing changed
  });

  it('validate-rollback.sh fails while the expected rollback has not happened', async () => {
    const r = await run('validate-rollback.sh', '--phase=3');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ENABLE_SCHEMA_VALIDATION');
    expect((await run('validate-rollback.sh')).code).toBe(0); // phase 4 recorded, nothing rolled back
  });

  it('rollback-phase.sh --phase=4 --features=browser_pool,redis_cache returns only those to phase 3 values', async () => {
    expect((await run('rollback-phase.sh', '--phase=4', '--features=browser_pool,nope')).code).toBe(2);
    const r = await run('rollback-phase.sh', '--phase=4', '--features=browser_pool,redis_cache', '--reason=pool incident');
    expect(r.code, r.stderr).toBe(0);
    const p3 = phaseValues(3);
    for (const n of ['ENABLE_BROWSER_POOL', 'MAX_BROWSER_CONTEXTS', 'CACHE_PROVIDER', 'CACHE_MAX_SIZE'] as const)
      expect(flags()[n], n).toBe(p3[n]);
    expect(svc.ctx.flags.getPhase()).toBe(4);
    expect((await run('validate-rollback.sh', '--phase=4', '--features=browser_pool,redis_cache')).code).toBe(0);
    const audit = await svc.ctx.flagControl.audit(20, 'CACHE_PROVIDER');
    expect(audit[0]).toMatchObject({ new: 'memory', reason: 'pool incident' });
  });

  it('rollback-feature-flags.sh --phase=3 disables phase 3 and 4, overrides included, and validate agrees', async () => {
    const r = await run('rollback-feature-flags.sh', '--phase=3', '--reason=quality drill');
    expect(r.code, r.stderr).toBe(0);
    expect(svc.ctx.flags.getPhase()).toBe(2);
    const p2 = phaseValues(2);
    for (const [k, v] of Object.entries(p2)) expect(flags()[k as keyof FlagValues], k).toBe(v);
    expect(flags().ENABLE_ANOMALY_DETECTION).toBe(false);
    expect((await run('validate-rollback.sh')).code).toBe(0);
    expect((await run('validate-rollback.sh', '--phase=3')).code).toBe(0);
    // A flag switched back on behind the rollback's back is caught.
    await svc.ctx.flagControl.setOverrides({ ENABLE_PROVENANCE_TRACKING: true }, { actor: 'test', reason: 'sneaky' });
    const bad = await run('validate-rollback.sh', '--phase=3');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('ENABLE_PROVENANCE_TRACKING');
    await svc.ctx.flagControl.clearOverrides(['ENABLE_PROVENANCE_TRACKING'], { actor: 'test', reason: 'undo' });
  });

  it('validate-rollback.sh fails when the service is not ready', async () => {
    svc.ctx.readiness.markDraining();
    const r = await run('validate-rollback.sh', '--phase=3');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('/readyz');
  });
});
