// The rollout drill: two real replicas (the compiled CLI) on a private PostgreSQL and a private
// Redis, steady traffic, and real faults one after another — the database stopped, a table
// renamed, Redis killed, latency added between the replicas and the database, a replica killed.
// For each fault it measures the time from the fault to the controller's first action (webhook),
// and to every replica showing it; it counts messages per channel and rollbacks (none of these
// faults is caused by a phase's flags, so every automatic rollback is a false one). Trigger
// durations are shortened by configuration (ROLLOUT_TRIGGER_FOR_MS, ROLLOUT_TRIGGER_WINDOW_MS).
// Usage: npm run drill [-- --quick]. The last line printed is the JSON summary.
import { createServer as createTcpServer, connect, type Server as TcpServer, type Socket } from 'node:net';
import pg from 'pg';
import { startPrivatePostgres } from '../test/support/private-postgres.js';
import { startPrivateRedis } from '../test/support/redis.js';
import { freePort } from '../test/support/redis.js';
import { webhookSink } from '../test/support/rollout-sim.js';
import { ensureBuilt } from '../test/cluster/support/build.js';
import { seedSampleListings, startReplica, type Replica } from '../test/cluster/support/replicas.js';

const quick = process.argv.includes('--quick');
const T = quick
  ? { forMs: 10_000, windowMs: 15_000, intervalMs: 2000, faultMaxMs: 45_000, quietFaultMs: 20_000, recoverMs: 22_000 }
  : { forMs: 60_000, windowMs: 60_000, intervalMs: 5000, faultMaxMs: 180_000, quietFaultMs: 90_000, recoverMs: 75_000 };
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
    const pipe = (from: Socket, to: Socket) => from.on('data', (chunk) => {
      if (state.delayMs > 0) setTimeout(() => to.writable && to.write(chunk), state.delayMs);
      else if (to.writable) to.write(chunk);
    });
    pipe(client, upstream);
    pipe(upstream, client);
    const end = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    port,
    get delayMs() { return state.delayMs; },
    set delayMs(v: number) { state.delayMs = v; },
    close() { for (const s of sockets) s.destroy(); server.close(); },
  };
}

interface Traffic { ok: number; errors: number; failed: number; stop(): Promise<void> }

/** Steady dealer traffic to every live replica: list pages and details, a few clients each. */
function traffic(replicas: () => Replica[], perReplica = 4): Traffic {
  const t = { ok: 0, errors: 0, failed: 0, running: true };
  const loops: Array<Promise<void>> = [];
  for (let i = 0; i < perReplica * 2; i++) {
    loops.push((async () => {
      let n = i;
      while (t.running) {
        const live = replicas().filter((r) => r.alive());
        const r = live[n++ % Math.max(live.length, 1)];
        if (!r) { await new Promise((res) => setTimeout(res, 100)); continue; }
        // Most requests ask for a fresh filter, as dealers do, so the cache cannot hide the database.
        const path = n % 4 === 0 ? `/api/opportunities?page=1&limit=${5 + (n % 20)}` : `/api/opportunities?limit=5&minProfit=${Math.floor(Math.random() * 500_000)}`;
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
    })());
  }
  return { get ok() { return t.ok; }, get errors() { return t.errors; }, get failed() { return t.failed; }, async stop() { t.running = false; await Promise.all(loops); } } as Traffic;
}

interface RolloutState { effectivePhase: number; triggers: Array<{ id: string; status: string }>; latches: Array<{ trigger: string }> }
async function rolloutOf(r: Replica): Promise<RolloutState | null> {
  try {
    const res = await r.admin('/admin/rollout', { signal: AbortSignal.timeout(3000) });
    return res.ok ? (await res.json()) as RolloutState : null;
  } catch {
    return null;
  }
}

interface FaultResult { name: string; fired: boolean; faultToFireMs: number | null; faultToAllReplicasMs: number | null; messages: Record<string, number>; rollbacks: number; note: string }

async function main(): Promise<void> {
  say(`mode ${quick ? 'quick' : 'full'}: for ${T.forMs / 1000} s, request windows ${T.windowMs / 1000} s, evaluation every ${T.intervalMs / 1000} s`);
  ensureBuilt(say);
  const pgServer = await startPrivatePostgres();
  const redis = await startPrivateRedis();
  const hook = await webhookSink();
  const proxy = await latencyProxy(pgServer.port);
  const direct = await pgServer.createDatabase('drill');
  const databaseUrl = direct.replace(`:${pgServer.port}/`, `:${proxy.port}/`);
  const replicas: Replica[] = [];
  let load: Traffic | null = null;
  let stopping = false;
  const cleanup = async () => {
    stopping = true;
    await load?.stop();
    await Promise.all(replicas.map((r) => r.stop().catch(() => undefined)));
    proxy.close();
    await hook.close();
    await redis.destroy();
    await pgServer.destroy();
  };
  // An interrupted drill still stops its servers.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => { void cleanup().finally(() => process.exit(130)); });
  const results: FaultResult[] = [];
  try {
    say('seeding the sample listings');
    await seedSampleListings(direct);
    const admin = new pg.Client({ connectionString: direct });
    await admin.connect();
    await admin.query(`INSERT INTO rollout_state (environment, phase, updated_at, updated_by, reason) VALUES ('production', 3, $1, 'drill', 'the drill runs at phase 3')
      ON CONFLICT (environment) DO UPDATE SET phase = 3`, [Date.now()]);
    await admin.end();
    const env = (name: string) => ({
      DEALERSCOPE_REPLICA: name, ROLLOUT_INTERVAL_MS: String(T.intervalMs), ROLLOUT_TRIGGER_FOR_MS: String(T.forMs), ROLLOUT_TRIGGER_WINDOW_MS: String(T.windowMs),
      // Memory is not drilled here: unflagged node processes sit above the plan's 150 MB bound.
      ROLLOUT_TRIGGER_MEMORY_HIGH_THRESHOLD: '1024', ROLLOUT_TRIGGER_MEMORY_CRITICAL_THRESHOLD: '2048',
      ALERT_WEBHOOK_ALERTS: `${hook.url}/alerts`, ALERT_WEBHOOK_DEPLOYMENTS: `${hook.url}/deployments`, ALERT_WEBHOOK_PERFORMANCE: `${hook.url}/performance`,
    });
    const start = (name: string) => startReplica({ name, databaseUrl, redisUrl: redis.url, env: env(name), readyTimeoutMs: 150_000 });
    say('starting two replicas');
    replicas.push(...(await Promise.all([start('replica-1'), start('replica-2')])));
    load = traffic(() => replicas);
    for (const r of replicas) void r.exited.then((e) => { if (!stopping) say(`${r.name} exited ${JSON.stringify(e)}:\n${r.output().slice(-3000)}`); });
    say(`warming up ${T.windowMs / 1000 + 5} s of traffic`);
    await new Promise((r) => setTimeout(r, T.windowMs + 5000));
    // A breach during warm-up (a slow machine) is reported in the totals, then re-armed.
    await replicas[0]!.admin('/admin/rollout/rearm', { method: 'POST', body: JSON.stringify({ trigger: 'all', reason: 'drill: warm-up over' }) }).catch(() => undefined);

    /** Runs one fault: inject, wait for the first webhook and for every replica to show it, repair. */
    async function fault(name: string, inject: () => Promise<void>, repair: () => Promise<void>, expectFire: boolean): Promise<void> {
      const hooksBefore = hook.received.length;
      const rollbacksBefore = hook.received.filter((p) => p.path === '/deployments' && /automatic rollback/.test(String(p.body.text))).length;
      say(`fault ${name}: injecting`);
      const at = Date.now();
      await inject();
      let fireAt: number | null = null;
      let allAt: number | null = null;
      const deadline = at + (expectFire ? T.faultMaxMs : T.quietFaultMs);
      let lastProgress = 0;
      while (Date.now() < deadline && allAt === null) {
        const posts = hook.received.slice(hooksBefore).filter((p) => p.path !== '/deployments' || /automatic rollback/.test(String(p.body.text)));
        if (fireAt === null && posts.length) {
          fireAt = Date.now();
          say(`fault ${name}: first message after ${((fireAt - at) / 1000).toFixed(1)} s on #${posts[0]!.path.slice(1)}: ${String(posts[0]!.body.text).slice(0, 120)}`);
        }
        if (fireAt !== null) {
          // Every live replica shows the trigger the first message named as fired or latched.
          const named = posts.map((p) => p.body.trigger).find((t): t is string => typeof t === 'string');
          const states = await Promise.all(replicas.filter((r) => r.alive()).map(rolloutOf));
          if (states.length && states.every((s) => s && s.triggers.some((t) => (named === undefined || t.id === named) && (t.status === 'fired' || t.status === 'latched')))) allAt = Date.now();
        }
        if (Date.now() - lastProgress > 5000) {
          lastProgress = Date.now();
          const states = await Promise.all(replicas.filter((r) => r.alive()).map(rolloutOf));
          say(`fault ${name}: ${((Date.now() - at) / 1000).toFixed(0)} s; traffic ok ${load!.ok} 5xx ${load!.errors} failed ${load!.failed}; triggers ${states.map((s) => (s ? s.triggers.filter((t) => t.status !== 'ok').map((t) => `${t.id}:${t.status}`).join(',') || 'ok' : 'no answer')).join(' | ')}`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      say(`fault ${name}: repairing`);
      await repair();
      await new Promise((r) => setTimeout(r, T.recoverMs));
      const posts = hook.received.slice(hooksBefore);
      const messages: Record<string, number> = {};
      for (const p of posts) messages[p.path.slice(1)] = (messages[p.path.slice(1)] ?? 0) + 1;
      const rollbacks = hook.received.filter((p) => p.path === '/deployments' && /automatic rollback/.test(String(p.body.text))).length - rollbacksBefore;
      const note = posts.map((p) => String(p.body.text)).find((x) => /PLATFORM OUTAGE|rolled back/.test(x))?.slice(0, 140) ?? (expectFire ? 'nothing fired' : 'nothing fired (as expected)');
      results.push({ name, fired: fireAt !== null, faultToFireMs: fireAt === null ? null : fireAt - at, faultToAllReplicasMs: allAt === null ? null : allAt - at, messages, rollbacks, note });
      // Whatever latched is re-armed so the next fault starts clean.
      await replicas.find((r) => r.alive())?.admin('/admin/rollout/rearm', { method: 'POST', body: JSON.stringify({ trigger: 'all', reason: `drill: ${name} repaired` }) }).catch(() => undefined);
    }

    await fault('database stopped', () => pgServer.stop('immediate'), () => pgServer.start(), true);
    const sql = async (q: string) => { const c = new pg.Client({ connectionString: direct }); await c.connect(); try { await c.query(q); } finally { await c.end(); } };
    await fault('table renamed', () => sql('ALTER TABLE opportunities RENAME TO opportunities_drill'), () => sql('ALTER TABLE opportunities_drill RENAME TO opportunities'), true);
    await fault('Redis killed', () => redis.stop(), () => redis.start(), false);
    await fault('latency added (400 ms per database round trip)', async () => { proxy.delayMs = 400; }, async () => { proxy.delayMs = 0; }, true);
    await fault('replica killed', async () => { replicas[1]!.kill('SIGKILL'); await replicas[1]!.exited; }, async () => { replicas[1] = await start('replica-2b'); }, false);
  } finally {
    await cleanup();
  }

  const total = hook.received;
  const falseRollbacks = total.filter((p) => p.path === '/deployments' && /automatic rollback/.test(String(p.body.text))).length;
  const s = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);
  console.log('| fault | fired | fault → first message | fault → every replica | messages by channel | rollbacks | what the controller said |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results) console.log(`| ${r.name} | ${r.fired ? 'yes' : 'no'} | ${s(r.faultToFireMs)} | ${s(r.faultToAllReplicasMs)} | ${Object.entries(r.messages).map(([k, v]) => `#${k} ${v}`).join(', ') || 'none'} | ${r.rollbacks} | ${r.note.replace(/\|/g, '/')} |`);
  console.log(`traffic: ${load?.ok ?? 0} ok, ${load?.errors ?? 0} 5xx, ${load?.failed ?? 0} failed at the client; total ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(JSON.stringify({ faults: results.map((r) => ({ name: r.name, fired: r.fired, faultToFireMs: r.faultToFireMs, faultToAllReplicasMs: r.faultToAllReplicasMs })), falseRollbacks }));
}

main().then(() => process.exit(0), (err) => {
  process.stderr.write(`drill failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
