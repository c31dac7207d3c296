// A replica started while Redis is down still starts and serves (the runbook's Redis outage:
// `/readyz` says redis is degraded, the replica stays in rotation, flag changes travel by database
// polling). The flag control plane's SUBSCRIBE waited for a connection inside onReady, so the
// start timed out after 10 s and the process exited: every replica restarted during an outage
// would crash-loop. Its shutdown then waited on a QUIT queued until Redis came back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/env.js';
import { startService, type RunningService } from '../src/http/service.js';
import { closedPort } from './support/ports.js';

describe('starting while Redis is down', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ds-redis-down-'));
  let service: RunningService | null = null;
  afterAll(async () => {
    await service?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts within seconds, reports redis degraded and serves', async () => {
    const env = {
      ADMIN_TOKEN: 'test-admin-token-0123456789',
      LOG_LEVEL: 'silent',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${join(dir, 'ds.db')}`,
      REDIS_URL: `redis://127.0.0.1:${await closedPort()}/7`,
    };
    const started = Date.now();
    service = await startService(loadConfig(env), { sample: false, logger: false });
    expect(Date.now() - started).toBeLessThan(8_000);
    const ready = await fetch(`${service.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; components: Record<string, { status: string }> };
    expect(body.status).toBe('ready');
    expect(body.components.redis!.status).toBe('degraded');
    expect((await fetch(`${service.url}/api/opportunities?limit=1`)).status).toBe(200);
    // A flag change still lands (written to the database; the announcement has nowhere to go).
    const set = await fetch(`${service.url}/admin/feature-flags`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ENABLE_PRODUCTION_CACHE: false }),
    });
    expect(set.status).toBe(200);
    expect(service.ctx.flags.get('ENABLE_PRODUCTION_CACHE')).toBe(false);
    // And it shuts down: a QUIT queued for a Redis that never came back held the close forever.
    const closing = Date.now();
    await service.close();
    service = null;
    expect(Date.now() - closing).toBeLessThan(5_000);
  }, 30_000);
});
