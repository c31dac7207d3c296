// `npm run bench:personal`: the list endpoint's latency for an anonymous client and for a dealer
// with a profile (X-API-Key), side by side in one run at the same paced rate and the same list
// queries. The two alternate in short rounds rather than run at once: at once, each waited in the
// one event loop behind the other's requests and both measured the sum. Alternating spreads the
// machine's other load over both alike. The verdict is the dealer's p95 over the anonymous p95
// (each pooled over its rounds) against the target of at most 1.5×.
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { packageRoot } from '../src/common/paths.js';
import { seededRandom } from '../src/common/random.js';
import { openDb } from '../src/storage/db.js';
import { migrate } from '../src/schema/migrate.js';
import { serviceEnv, startChild, type Child } from './child.js';
import { createBenchDb, postgresReachable } from './databases.js';
import { requireH2load, runH2loadPaced } from './h2load.js';
import { pooledLoad, type LoadResult } from './load.js';
import { BENCH_MODELS, BENCH_STATES, seedOpportunities } from './seed.js';

export const PERSONAL_TARGET_RATIO = 1.5;
const ADMIN_TOKEN = serviceEnv('').ADMIN_TOKEN!;
const SORTS = ['score', 'profit', 'roi', 'headroom', 'newest', 'ending'] as const;

export interface PersonalOptions {
  rows: number;
  rate: number;
  duration: number;
  connections: number;
  dialect: 'sqlite' | 'postgres';
  out?: string;
}

export interface PersonalResult {
  anonymous: LoadResult;
  dealer: LoadResult;
  /** Dealer p95 ÷ anonymous p95. */
  ratio: number;
  pass: boolean;
}

/** The list queries both clients send: every sort, with and without a state or make filter, first pages. */
export function listPaths(count: number, seed = 31): string[] {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)] as T;
  return Array.from({ length: count }, () => {
    const q = new URLSearchParams({ cursor: '', limit: '50', sort: pick(SORTS) });
    const f = rnd();
    if (f < 0.4) q.set('state', pick(BENCH_STATES));
    else if (f < 0.7) q.set('make', pick(BENCH_MODELS)[0]);
    return `/api/opportunities?${q.toString()}`;
  });
}

const ROUNDS = 6;

async function createDealer(base: string): Promise<string> {
  const res = await fetch(`${base}/admin/dealers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Bench Motors', zip: '75201', targetProfit: 2500, targetRoi: 12, maxMiles: 1500 }),
  });
  if (res.status !== 201) throw new Error(`creating the bench dealer answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { apiKey: string }).apiKey;
}

export function personalCommand(cmd: Command): Command {
  return cmd
    .description(
      'Benchmark the opportunity list for an anonymous client and a dealer with a profile, side by side at one paced rate; reports p95 of each and their ratio (target ≤ 1.5×)',
    )
    .option('--rows <n>', 'opportunities to seed', (v) => Number.parseInt(v, 10), 20_000)
    .option('--rate <n>', 'requests per second, the same for both clients', (v) => Number.parseInt(v, 10), 100)
    .option(
      '--duration <s>',
      'seconds of measured load per client, in alternating rounds (after a warm-up of the same length)',
      (v) => Number.parseInt(v, 10),
      12,
    )
    .option('--connections <n>', 'keep-alive sockets per client', (v) => Number.parseInt(v, 10), 16)
    .option('--dialect <name>', 'sqlite or postgres', 'sqlite')
    .option('--out <dir>', 'where personal-latest.json goes (default bench/results)');
}

export async function runPersonalBench(o: PersonalOptions): Promise<PersonalResult> {
  for (const [name, v] of [
    ['--rows', o.rows],
    ['--rate', o.rate],
    ['--duration', o.duration],
    ['--connections', o.connections],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer`);
  }
  if (o.dialect !== 'sqlite' && o.dialect !== 'postgres') throw new Error(`--dialect takes sqlite or postgres, got "${String(o.dialect)}"`);
  if (o.dialect === 'postgres' && !(await postgresReachable())) throw new Error('PostgreSQL is not reachable (BENCH_PG_URL)');
  requireH2load();
  const started = Date.now();
  const log = (msg: string) =>
    process.stderr.write(`[bench personal ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);
  const loadBefore = loadavg();
  const bdb = await createBenchDb(o.dialect);
  let svc: Child | null = null;
  try {
    const db = openDb(bdb.url);
    await migrate(db);
    await seedOpportunities(db, o.rows, (done, total) => log(`seeded ${done}/${total}`));
    await db.close();
    svc = await startChild('server-child', serviceEnv(bdb.url));
    const apiKey = await createDealer(svc.url);
    {
      // The per-IP limit is raised out of reach (serviceEnv); the dealer key's own quota likewise,
      // or the run would measure 429s.
      const keys = openDb(bdb.url);
      await keys.kysely.updateTable('api_keys').set({ quota_per_minute: 1_000_000 }).execute();
      await keys.close();
    }
    const paths = listPaths(2000);
    const round = o.duration / ROUNDS;
    const side = async (headers: Record<string, string>, durationS: number) => {
      let times: Float64Array = new Float64Array(0);
      const result = await runH2loadPaced(svc!.url, paths, {
        rate: o.rate,
        durationS,
        connections: o.connections,
        gzip: true,
        headers,
        onTimes: (t) => {
          times = t;
        },
      });
      return { result, times };
    };
    log(`warm-up: ${o.rate} req/s, each client ${o.duration} s`);
    await side({}, o.duration);
    await side({ 'x-api-key': apiKey }, o.duration);
    const anonRuns = [];
    const dealerRuns = [];
    for (let i = 0; i < ROUNDS; i++) {
      log(
        `round ${i + 1}/${ROUNDS}: anonymous then dealer, ${o.rate} req/s, ${round.toFixed(1)} s each, load average ${loadavg()[0]!.toFixed(2)}`,
      );
      anonRuns.push(await side({}, round));
      dealerRuns.push(await side({ 'x-api-key': apiKey }, round));
    }
    const anonymous = pooledLoad(anonRuns);
    const dealer = pooledLoad(dealerRuns);
    const loadAfter = loadavg();
    const ratio = dealer.p95 / Math.max(0.001, anonymous.p95);
    const failed = anonymous.errors + anonymous.non2xx + dealer.errors + dealer.non2xx;
    const result: PersonalResult = { anonymous, dealer, ratio, pass: ratio <= PERSONAL_TARGET_RATIO && failed === 0 };
    const row = (name: string, r: LoadResult) =>
      `| ${name} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.errors + r.non2xx} |`;
    process.stdout.write(
      [
        `Personal list, ${o.dialect}, ${o.rows} rows, ${o.rate} req/s, each client ${o.duration} s in ${ROUNDS} alternating rounds, ${cpus().length} cores, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ${loadAfter.map((l) => l.toFixed(2)).join(' ')} after`,
        '',
        '| client | req/s | p50 ms | p95 ms | p99 ms | failed |',
        '|---|---:|---:|---:|---:|---:|',
        row('anonymous', anonymous),
        row('dealer (X-API-Key)', dealer),
        '',
        `dealer p95 ÷ anonymous p95 = ${ratio.toFixed(2)}× (target ≤ ${PERSONAL_TARGET_RATIO}×): ${result.pass ? 'PASS' : 'FAIL'}${failed ? ` (${failed} failed requests)` : ''}`,
        '',
      ].join('\n'),
    );
    const dir = o.out ?? join(packageRoot(), 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'personal-latest.json'),
      JSON.stringify(
        {
          startedAt: new Date(started).toISOString(),
          settings: o,
          machine: { cpus: cpus().length, node: process.version },
          loadAverage: { before: loadBefore, after: loadAfter },
          target: PERSONAL_TARGET_RATIO,
          ...result,
        },
        null,
        2,
      ),
    );
    return result;
  } finally {
    await svc?.stop().catch(() => {});
    await bdb.drop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  const program = personalCommand(new Command('bench:personal')).parse();
  const r = await runPersonalBench(program.opts<PersonalOptions>());
  process.exitCode = r.pass ? 0 : 1;
}
