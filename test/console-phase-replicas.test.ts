// The console's live `phase` event across replicas: two real services on one PostgreSQL database
// and one Redis (a private key prefix); a console stream open on replica B hears a rollback, an
// advance and the kill switch made on replica A. The database poll is set to a minute, so only
// the Redis announcement can bring the change to B within the wait.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/env.js';
import { startService, type RunningService } from '../src/http/service.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';
import { requireRedis, SHARED_REDIS_URL, uniquePrefix } from './support/redis.js';

const pgOk = await requirePostgres();
const redisOk = await requireRedis();
const TOKEN = 'test-admin-token-0123456789';

interface PhaseEvent {
  phase: number | null;
  emergency: boolean;
}

/** A console event stream read over real HTTP, kept as parsed `phase` events. */
async function openStream(base: string, cookie: string) {
  const ac = new AbortController();
  const res = await fetch(`${base}/console/events`, { headers: { cookie, accept: 'text/event-stream' }, signal: ac.signal });
  expect(res.status).toBe(200);
  const phases: PhaseEvent[] = [];
  let buffer = '';
  const decoder = new TextDecoder();
  const reading = (async () => {
    const reader = res.body!.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event === 'phase' && data) phases.push(JSON.parse(data) as PhaseEvent);
      }
    }
  })().catch(() => {});
  return {
    phases,
    async next(match: (e: PhaseEvent) => boolean, from: number, timeoutMs = 3000): Promise<PhaseEvent> {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const hit = phases.slice(from).find(match);
        if (hit) return hit;
        if (Date.now() > end) throw new Error(`no matching phase event within ${timeoutMs} ms; got ${JSON.stringify(phases.slice(from))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      ac.abort();
      await reading;
    },
  };
}

describe.runIf(pgOk && redisOk)('the console phase event across two replicas sharing PostgreSQL and Redis', () => {
  let tdb: TestDb;
  let a: RunningService;
  let b: RunningService;

  beforeAll(async () => {
    tdb = await createTestDb('postgres');
    const env = {
      DEALERSCOPE_ENV: 'development',
      ADMIN_TOKEN: TOKEN,
      LOG_LEVEL: 'silent',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: tdb.url,
      REDIS_URL: SHARED_REDIS_URL,
      RATE_LIMIT_KEY_PREFIX: uniquePrefix('console-phase'),
      FLAG_POLL_MS: '60000',
    };
    a = await startService(loadConfig(env), { sample: false, logger: false });
    b = await startService(loadConfig(env), { sample: false, logger: false });
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await tdb?.drop();
  });

  const admin = (svc: RunningService, path: string, body: unknown) =>
    fetch(`${svc.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('a stream open on B receives the phase event of a rollback, an advance and the kill switch made on A', async () => {
    const login = await fetch(`${b.url}/console/login`, {
      method: 'POST',
      redirect: 'manual',
      body: `token=${TOKEN}`,
      headers: { origin: b.url, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(login.status).toBe(303);
    const cookie = String(login.headers.get('set-cookie')).split(';')[0]!;
    const stream = await openStream(b.url, cookie);
    try {
      const phase = (await b.ctx.rollout.status()).effectivePhase;
      // The phase in force when the stream opens comes first (development: none recorded).
      expect(await stream.next(() => true, 0)).toEqual({ phase: null, emergency: false });
      let seen = stream.phases.length;
      const rollback = await admin(a, '/admin/rollout/rollback', { reason: 'replica phase event test' });
      expect(rollback.status, await rollback.clone().text()).toBe(200);
      expect(await stream.next((e) => e.phase === phase - 1, seen)).toEqual({ phase: phase - 1, emergency: false });

      seen = stream.phases.length;
      const advance = await admin(a, '/admin/rollout/advance', { reason: 'replica phase event test', force: true });
      expect(advance.status, await advance.clone().text()).toBe(200);
      expect(await stream.next((e) => e.phase === phase, seen)).toEqual({ phase, emergency: false });

      seen = stream.phases.length;
      expect((await admin(a, '/admin/feature-flags', { EMERGENCY_ROLLBACK: true })).status).toBe(200);
      expect(await stream.next((e) => e.emergency, seen)).toEqual({ phase, emergency: true });
      const release = await fetch(`${a.url}/admin/feature-flags/EMERGENCY_ROLLBACK`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(release.status).toBe(200);
      seen = stream.phases.length;
      await stream.next((e) => !e.emergency, seen);
    } finally {
      await stream.close();
    }
  }, 30_000);

  it('a flag change that moves neither the phase nor the kill switch sends no phase event', async () => {
    const login = await fetch(`${b.url}/console/login`, {
      method: 'POST',
      redirect: 'manual',
      body: `token=${TOKEN}`,
      headers: { origin: b.url, 'content-type': 'application/x-www-form-urlencoded' },
    });
    const cookie = String(login.headers.get('set-cookie')).split(';')[0]!;
    const stream = await openStream(b.url, cookie);
    try {
      await stream.next(() => true, 0);
      const seen = stream.phases.length;
      const changed = new Promise<void>((resolve) => b.ctx.flagControl.once('applied', () => resolve()));
      expect((await admin(a, '/admin/feature-flags', { MAX_BROWSER_CONTEXTS: 3 })).status).toBe(200);
      await changed;
      await new Promise((r) => setTimeout(r, 200));
      expect(stream.phases.slice(seen)).toEqual([]);
    } finally {
      await stream.close();
    }
  }, 30_000);
});
