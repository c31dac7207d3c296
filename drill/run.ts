// The rollout drill: two real replicas (the compiled CLI) on a private PostgreSQL and a private
// Redis, steady traffic, and real faults one after another — the database stopped, a table
// renamed, Redis killed, latency added between the replicas and the database, a replica killed.
// For each fault it measures the time from the fault to the controller's first action (webhook),
// and to every replica showing it (a rollback: every live replica serves the rolled-back phase; a
// platform alert: every live replica holds the named trigger as the platform's); it counts messages
// per channel and rollbacks (none of these faults is caused by a phase's flags, so every automatic
// rollback is a false one). Trigger durations are shortened by configuration
// (ROLLOUT_TRIGGER_FOR_MS, ROLLOUT_TRIGGER_WINDOW_MS, ROLLOUT_INTERVAL_MS).
// Usage: npm run drill [-- --quick]. The last line printed is the JSON summary.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTcpServer, connect, type Server as TcpServer, type Socket } from 'node:net';
import pg from 'pg';
import { startPrivatePostgres } from '../test/support/private-postgres.js';
import { startPrivateRedis } from '../test/support/redis.js';
import { freePort } from '../test/support/redis.js';
import { webhookSink } from '../test/support/rollout-sim.js';
import { ensureBuilt } from '../test/cluster/support/build.js';
import { seedSampleListings, startReplica, type Replica } from '../test/cluster/support/replicas.js';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(
    'Usage: npm run drill [-- --quick]\n\nRehearses the rollout controller against five real faults on two replicas, a private PostgreSQL\nand a private Redis. --quick: shortened trigger timings and a smaller data set (under 5 minutes).\nProgress on stderr; stdout ends with a table and one line of JSON.\n',
  );
  process.exit(0);
}
const quick = process.argv.includes('--quick');
// quick: `for:` 6 s over 10-s windows, evaluated every second; a fault gets 25 s to be noticed
// (15 s for the two that need not fire) and 12 s after its repair, a window and a bit, for the
// windows to clear before the next one. Rows: enough for the list pages to read an index.
const T = quick
  ? {
      forMs: 6000,
      windowMs: 10_000,
      intervalMs: 1000,
      faultMaxMs: 25_000,
      quietFaultMs: 15_000,
      recoverMs: 12_000,
      maxDeferMs: 120_000,
      rows: 400,
    }
  : {
      forMs: 60_000,
      windowMs: 60_000,
      intervalMs: 5000,
      faultMaxMs: 180_000,
      quietFaultMs: 90_000,
      recoverMs: 75_000,
      maxDeferMs: 30 * 60_000,
      rows: 0,
    };
const load1 = () => loadavg()[0]!.toFixed(1);
const started = Date.now();
const say = (m: string) => process.stderr.write(`[drill ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);

/** A TCP proxy in front of PostgreSQL that can hold every chunk back by `delayMs`. */
async function latencyProxy(targetPort: number): Promise<{ port: number; delayMs: number; close(): void }> {
  const state = { delayMs: 0 };
  const sockets = new Set<Socket>();
  const server: TcpServer = createTcpServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const pipe = (from: Socket, to: Socket) =>
      from.on('data', (chunk) => {
        if (state.delayMs > 0) setTimeout(() => to.writable && to.write(chunk), state.delayMs);
        else if (to.writable) to.write(chunk);
      });
    pipe(client, upstream);
    pipe(upstream, client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    port,
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(v: number) {
      state.delayMs = v;
    },
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

interface Traffic {
  ok: number;
  errors: number;
  failed: number;
  stop(): Promise<void>;
}

/** Steady dealer traffic to every live replica: list pages and details, a few clients each. */
function traffic(replicas: () => Replica[], perReplica = 4): Traffic {
  const t = { ok: 0, errors: 0, failed: 0, running: true };
  const loops: Array<Promise<void>> = [];
  for (let i = 0; i < perReplica * 2; i++) {
    loops.push(
      (async () => {
        let n = i;
        while (t.running) {
          const live = replicas().filter((r) => r.alive());
          const r = live[n++ % Math.max(live.length, 1)];
          if (!r) {
            await new Promise((res) => setTimeout(res, 100));
            continue;
          }
          // Most requests ask for a fresh filter, as dealers do, so the cache cannot hide the database.
          const path =
            n % 4 === 0
              ? `/api/opportunities?page=1&limit=${5 + (n % 20)}`
              : `/api/opportunities?limit=5&minProfit=${Math.floor(Math.random() * 500_000)}`;
          try {
            const res = await fetch(`${r.url}${path}`, { signal: AbortSignal.timeout(5000) });
            await res.arrayBuffer();
            if (res.status >= 500) t.errors++;
            else t.ok++;
          } catch {
            t.failed++;
          }
          await new Promise((res) => setTimeout(res, 25));
        }
      })(),
    );
  }
  return {
    get ok() {
      return t.ok;
    },
    get errors() {
      return t.errors;
    },
    get failed() {
      return t.failed;
    },
    async stop() {
      t.running = false;
      await Promise.all(loops);
    },
  } as Traffic;
}

interface RolloutState {
  effectivePhase: number;
  heldPhase: { phase: number } | null;
  triggers: Array<{ id: string; status: string; platform: { reason: string } | null }>;
  latches: Array<{ trigger: string }>;
}
async function rolloutOf(r: Replica): Promise<RolloutState | null> {
  try {
    // Generous: during a database outage the status waits on a read that times out.
    const res = await r.admin('/admin/rollout', { signal: AbortSignal.timeout(8000) });
    return res.ok ? ((await res.json()) as RolloutState) : null;
  } catch {
    return null;
  }
}

type Post = { path: string; body: Record<string, unknown> };
const isRollback = (p: Post) => p.path === '/deployments' && /automatic rollback/.test(String(p.body.text));
/** The phase a rollback message names ("rolled back to phase N" or "automatic rollback phase A → N"). */
const rolledBackTo = (p: Post) =>
  ((m) => (m ? Number(m[1] ?? m[2]) : null))(/rolled back to phase (\d)|automatic rollback phase \d → (\d)/.exec(String(p.body.text)));

/**
 * Whether every live replica shows what the first message announced: a rollback's phase in force
 * (recorded or held), or the platform alert's trigger held as the platform's (or fired, latched).
 */
function showsIt(first: Post, s: RolloutState | null): boolean {
  if (!s) return false;
  const to = rolledBackTo(first);
  if (to !== null) return s.effectivePhase === to || s.heldPhase?.phase === to;
  const named = typeof first.body.trigger === 'string' ? first.body.trigger : undefined;
  return s.triggers.some(
    (t) => (named === undefined || t.id === named) && (t.platform !== null || t.status === 'fired' || t.status === 'latched'),
  );
}

interface FaultResult {
  name: string;
  fired: boolean;
  faultToFireMs: number | null;
  faultToAllReplicasMs: number | null;
  messages: Record<string, number>;
  rollbacks: number;
  note: string;
}

async function main(): Promise<void> {
  say(
    `mode ${quick ? 'quick' : 'full'}: for ${T.forMs / 1000} s, request windows ${T.windowMs / 1000} s, evaluation every ${T.intervalMs / 1000} s; load average ${load1()}`,
  );
  ensureBuilt(say);
  const [pgServer, redis, hook] = await Promise.all([startPrivatePostgres(), startPrivateRedis(), webhookSink()]);
  const proxy = await latencyProxy(pgServer.port);
  const direct = await pgServer.createDatabase('drill');
  const databaseUrl = direct.replace(`:${pgServer.port}/`, `:${proxy.port}/`);
  const replicas: Replica[] = [];
  let load: Traffic | null = null;
  let stopping = false;
  const tmp = mkdtempSync(join(tmpdir(), 'ds-drill-'));
  const cleanup = async () => {
    stopping = true;
    await load?.stop();
    await Promise.all(replicas.map((r) => r.stop().catch(() => undefined)));
    proxy.close();
    await hook.close();
    await redis.destroy();
    await pgServer.destroy();
    rmSync(tmp, { recursive: true, force: true });
  };
  // An interrupted drill still stops its servers.
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => {
      void cleanup().finally(() => process.exit(130));
    });
  const results: FaultResult[] = [];
  const loads: string[] = [load1()];
  let warmUpRollbacks = 0;
  try {
    let feed = 'data/sample/listings.csv';
    if (T.rows) {
      // The first rows of the sample feed: list pages read the same index, seeding takes seconds.
      feed = join(tmp, 'listings.csv');
      writeFileSync(
        feed,
        `${readFileSync('data/sample/listings.csv', 'utf8')
          .split('\n')
          .slice(0, T.rows + 1)
          .join('\n')}\n`,
      );
    }
    say(`seeding ${T.rows || 'all'} sample listings`);
    const seeded = await seedSampleListings(direct, feed);
    const admin = new pg.Client({ connectionString: direct });
    await admin.connect();
    await admin.query(
      `INSERT INTO rollout_state (environment, phase, updated_at, updated_by, reason) VALUES ('production', 3, $1, 'drill', 'the drill runs at phase 3')
      ON CONFLICT (environment) DO UPDATE SET phase = 3`,
      [Date.now()],
    );
    await admin.end();
    const env = (name: string) => ({
      DEALERSCOPE_REPLICA: name,
      ROLLOUT_INTERVAL_MS: String(T.intervalMs),
      ROLLOUT_TRIGGER_FOR_MS: String(T.forMs),
      ROLLOUT_TRIGGER_WINDOW_MS: String(T.windowMs),
      // The gate is not drilled; a short gate window keeps each evaluation's fleet read small.
      ROLLOUT_GATE_WINDOW_MS: String(Math.max(T.windowMs, 60_000)),
      ROLLOUT_PLATFORM_MAX_DEFER_MS: String(T.maxDeferMs),
      // Memory is not drilled here: unflagged node processes sit above the plan's 150 MB bound.
      ROLLOUT_TRIGGER_MEMORY_HIGH_THRESHOLD: '1024',
      ROLLOUT_TRIGGER_MEMORY_CRITICAL_THRESHOLD: '2048',
      ALERT_WEBHOOK_ALERTS: `${hook.url}/alerts`,
      ALERT_WEBHOOK_DEPLOYMENTS: `${hook.url}/deployments`,
      ALERT_WEBHOOK_PERFORMANCE: `${hook.url}/performance`,
    });
    const start = (name: string) => startReplica({ name, databaseUrl, redisUrl: redis.url, env: env(name), readyTimeoutMs: 150_000 });
    say(`${seeded.accepted} listings in; starting two replicas in parallel`);
    replicas.push(...(await Promise.all([start('replica-1'), start('replica-2')])));
    load = traffic(() => replicas);
    for (const r of replicas)
      void r.exited.then((e) => {
        if (!stopping) say(`${r.name} exited ${JSON.stringify(e)}:\n${r.output().slice(-3000)}`);
      });
    const live = () => replicas.find((r) => r.alive());

    /** Re-arms whatever latched and, when something rolled the phase back, returns it to phase 3. */
    const reset = async (why: string) => {
      const r = live();
      if (!r) return;
      await r
        .admin('/admin/rollout/rearm', { method: 'POST', body: JSON.stringify({ trigger: 'all', reason: `drill: ${why}` }) })
        .catch(() => undefined);
      for (let i = 0; i < 3; i++) {
        const s = await rolloutOf(r);
        if (!s || s.effectivePhase >= 3) break;
        say(`phase ${s.effectivePhase} after ${why}: advancing back to phase 3`);
        await r
          .admin('/admin/rollout/advance', {
            method: 'POST',
            body: JSON.stringify({ force: true, reason: `drill: back to phase 3 after ${why}` }),
          })
          .catch(() => undefined);
      }
    };

    say(`warming up ${T.windowMs / 1000 + 3} s of traffic`);
    await new Promise((r) => setTimeout(r, T.windowMs + 3000));
    // A breach during warm-up (a slow machine) is counted, then re-armed and undone.
    warmUpRollbacks = hook.received.filter(isRollback).length;
    if (warmUpRollbacks)
      say(
        `warm-up: ${warmUpRollbacks} automatic rollback(s): ${hook.received
          .filter(isRollback)
          .map((p) => String(p.body.text))
          .join(' / ')}`,
      );
    await reset('warm-up over');

    /** Runs one fault: inject, wait for the first webhook and for every replica to show it, repair. */
    /** Waits (bounded) until no latency or error trigger is pending, so a fault starts from quiet. */
    const settle = async (maxMs: number) => {
      const until = Date.now() + maxMs;
      while (Date.now() < until) {
        const states = await Promise.all(replicas.filter((r) => r.alive()).map(rolloutOf));
        if (states.every((s) => s && s.triggers.every((t) => t.status === 'ok'))) return;
        await new Promise((r) => setTimeout(r, 500));
      }
      say(`triggers still not quiet after ${maxMs / 1000} s; injecting anyway`);
    };
    const operatorNote = (p: Post) => p.path === '/deployments' && !isRollback(p);

    async function fault(name: string, inject: () => Promise<void>, repair: () => Promise<void>, expectFire: boolean): Promise<void> {
      await settle(8000);
      const hooksBefore = hook.received.length;
      say(`fault ${name}: injecting (load average ${load1()})`);
      const at = Date.now();
      await inject();
      let fireAt: number | null = null;
      let allAt: number | null = null;
      const deadline = at + (expectFire ? T.faultMaxMs : T.quietFaultMs);
      let lastProgress = 0;
      while (Date.now() < deadline && allAt === null) {
        // Operator notes (re-arms, advances) on #deployments are not the controller's answer.
        const posts = hook.received.slice(hooksBefore).filter((p) => p.path !== '/deployments' || isRollback(p));
        if (fireAt === null && posts.length) {
          fireAt = Date.now();
          say(
            `fault ${name}: first message after ${((fireAt - at) / 1000).toFixed(1)} s on #${posts[0]!.path.slice(1)}: ${String(posts[0]!.body.text).slice(0, 160)}`,
          );
        }
        const states = await Promise.all(replicas.filter((r) => r.alive()).map(rolloutOf));
        if (fireAt !== null && states.length && states.every((s) => showsIt(posts[0]!, s))) {
          allAt = Date.now();
          say(`fault ${name}: every live replica shows it after ${((allAt - at) / 1000).toFixed(1)} s`);
        }
        if (Date.now() - lastProgress > 5000) {
          lastProgress = Date.now();
          say(
            `fault ${name}: ${((Date.now() - at) / 1000).toFixed(0)} s; traffic ok ${load!.ok} 5xx ${load!.errors} failed ${load!.failed}; phase ${states.map((s) => s?.effectivePhase ?? '?').join('/')}; triggers ${states
              .map((s) =>
                s
                  ? s.triggers
                      .filter((t) => t.status !== 'ok')
                      .map((t) => `${t.id}:${t.status}${t.platform ? '(platform)' : ''}`)
                      .join(',') || 'ok'
                  : 'no answer',
              )
              .join(' | ')}`,
          );
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      say(`fault ${name}: repairing`);
      await repair();
      await new Promise((r) => setTimeout(r, T.recoverMs));
      // The next fault starts clean: re-armed, at phase 3. What the controller says until then is
      // still this fault's (the re-arms and advances themselves are the drill's, not counted).
      await reset(`${name} repaired`);
      const posts = hook.received.slice(hooksBefore).filter((p) => !operatorNote(p));
      const messages: Record<string, number> = {};
      for (const p of posts) messages[p.path.slice(1)] = (messages[p.path.slice(1)] ?? 0) + 1;
      const rollbacks = posts.filter(isRollback).length;
      const note =
        posts
          .map((p) => String(p.body.text))
          .find((x) => /PLATFORM OUTAGE|rolled back/.test(x))
          ?.slice(0, 160) ?? (expectFire ? 'nothing fired' : 'nothing fired (as expected)');
      results.push({
        name,
        fired: fireAt !== null,
        faultToFireMs: fireAt === null ? null : fireAt - at,
        faultToAllReplicasMs: allAt === null ? null : allAt - at,
        messages,
        rollbacks,
        note,
      });
      loads.push(load1());
    }

    await fault(
      'database stopped',
      () => pgServer.stop('immediate'),
      () => pgServer.start(),
      true,
    );
    const sql = async (q: string) => {
      const c = new pg.Client({ connectionString: direct });
      await c.connect();
      try {
        await c.query(q);
      } finally {
        await c.end();
      }
    };
    await fault(
      'table renamed',
      () => sql('ALTER TABLE opportunities RENAME TO opportunities_drill'),
      () => sql('ALTER TABLE opportunities_drill RENAME TO opportunities'),
      true,
    );
    await fault(
      'Redis killed',
      () => redis.stop(),
      () => redis.start(),
      false,
    );
    await fault(
      'latency added (400 ms per database round trip)',
      async () => {
        proxy.delayMs = 400;
      },
      async () => {
        proxy.delayMs = 0;
      },
      true,
    );
    // The last fault: the survivor carries on alone until the end (a restart would measure nothing more).
    await fault(
      'replica killed',
      async () => {
        replicas[1]!.kill('SIGKILL');
        await replicas[1]!.exited;
      },
      async () => undefined,
      false,
    );

    // What the controller decided and why, for the report (stderr).
    const res = await live()
      ?.admin('/admin/rollout/decisions?limit=100')
      .catch(() => undefined);
    const list = res?.ok
      ? ((await res.json()) as { decisions: Array<{ id: number; at: string; kind: string; triggers: string[]; reason: string | null }> })
          .decisions
      : [];
    for (const d of list.reverse())
      if (d.kind !== 'rearm' && d.kind !== 'advance')
        say(`decision #${d.id} ${d.at.slice(11, 19)} ${d.kind} [${d.triggers.join(',')}] ${(d.reason ?? '').slice(0, 220)}`);
    for (const p of hook.received) say(`message #${p.path.slice(1)}: ${String(p.body.text).slice(0, 200)}`);
  } finally {
    await cleanup();
  }

  const falseRollbacks = hook.received.filter(isRollback).length;
  const s = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);
  console.log(
    '| fault | fired | fault → first message | fault → every replica | messages by channel | rollbacks | what the controller said |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results)
    console.log(
      `| ${r.name} | ${r.fired ? 'yes' : 'no'} | ${s(r.faultToFireMs)} | ${s(r.faultToAllReplicasMs)} | ${
        Object.entries(r.messages)
          .map(([k, v]) => `#${k} ${v}`)
          .join(', ') || 'none'
      } | ${r.rollbacks} | ${r.note.replace(/\|/g, '/')} |`,
    );
  console.log(
    `warm-up rollbacks: ${warmUpRollbacks}; traffic: ${load?.ok ?? 0} ok, ${load?.errors ?? 0} 5xx, ${load?.failed ?? 0} failed at the client; load average at each fault's end ${loads.join(', ')}; total ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  console.log(
    JSON.stringify({
      faults: results.map((r) => ({
        name: r.name,
        fired: r.fired,
        faultToFireMs: r.faultToFireMs,
        faultToAllReplicasMs: r.faultToAllReplicasMs,
      })),
      falseRollbacks,
    }),
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`drill failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
