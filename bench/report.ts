// The benchmark's table and its verdict against the issue's targets.
import { DEFAULT_ENTRIES, PHASE4_ENTRIES, type DialectResult } from './dialect-run.js';
import type { Measured } from './measure.js';
import type { IngestResult } from './ingest-run.js';
import { roundsText } from './ingest-rounds.js';
import type { SampleMemory } from './sample-memory.js';

/**
 * A run with failed responses (a 429 from the service's own rate limit, a timeout) measured
 * something other than the path it names, and its rate and latency figures mislead.
 */
function cleanRuns(runs: readonly Measured[], dialect: string) {
  const failed = runs.filter((m) => m.errors + m.non2xx > 0);
  return {
    target: 'no failed responses in any load run (a failed run invalidates its figures)',
    dialect,
    measured: failed.length ? failed.map((m) => `${m.name}: ${m.errors + m.non2xx} failed`).join('; ') : `${runs.length} runs, none`,
    met: failed.length === 0,
  };
}

export const TARGETS = {
  cachedVsBare: 0.6,
  cachedVsBarePlain: 0.5,
  /** Bare Fastify's CPU ÷ run time: below this, wrk (not the server) was the limit. */
  bareCpuBoundCores: 0.85,
  /**
   * Results written before the back-to-back pairs were kept: bare Fastify's repeated runs at most
   * this far apart (runSpread), or the machine's speed moved and the summed ratios say nothing.
   */
  bareSpread: 0.15,
  halfPeakP95Ms: 10,
  /** Cached service's p95 ÷ bare Fastify's, both paced at half the service's peak. */
  halfRateP95VsBare: 2,
  deepCursorRatio: 1.2,
  stampedeQueriesPerProcess: 1,
  rssMb: 85,
  idleRssMb: 85,
  loadedRssMb: 120,
  hitRateMemory: 0.78,
  /** Memory hit rate ÷ the share of requests the N most-asked paths make (the most N entries can serve). */
  hitRateOfBound: 0.97,
  hitRateRedis: 0.85,
  /** Listings a second through the whole import (contract, anomalies, provenance, appraisal, storage). */
  ingestPerSecond: { sqlite: 5000, postgres: 3000 },
  /** Peak RSS of the import process, whatever the file's size. */
  ingestRssMb: 200,
};

export interface Verdict {
  target: string;
  dialect: string;
  measured: string;
  met: boolean;
}

const f1 = (n: number) => n.toFixed(1);
const pct = (n: number | null) => (n === null ? '—' : `${(n * 100).toFixed(1)} %`);

const reasons = (by: Record<string, number>) =>
  Object.entries(by)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || 'none';

function row(m: Measured): string[] {
  return [
    m.name,
    String(Math.round(m.rps)),
    f1(m.p50),
    f1(m.p95),
    f1(m.p99),
    pct(m.errorRate),
    pct(m.hitRate),
    m.rssMb ? f1(m.rssMb) : '—',
    String(m.dbQueries),
    m.cpuPerRequestUs === null ? '—' : f1(m.cpuPerRequestUs),
    m.serverCores === null ? '—' : m.serverCores.toFixed(2),
    pct(m.replayedShare),
  ];
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/**
 * Entry count → share of the mix's requests made by that many most-asked paths: the most any
 * cache of that many responses could serve from memory.
 */
export type PathShare = Record<number, number>;

/**
 * Cached ÷ bare Fastify, gzip and plain clients. Judged on the lowest back-to-back pair: each pair
 * is measured within seconds, so a pair's ratio is of one minute of the machine, and the lowest
 * of them is a claim whichever minute the service meets. The summed ratio and bare Fastify's
 * spread are shown beside it. Results written before pairs were kept are judged as they were then:
 * summed ratios, valid only with bare Fastify's runs within TARGETS.bareSpread of each other.
 */
function cachedVsBareVerdicts(r: DialectResult): Verdict[] {
  const d = r.dialect;
  const codings = [
    { label: 'gzip clients', want: TARGETS.cachedVsBare, summed: r.cachedVsBare, pairs: r.cachedVsBarePairs?.gzip },
    { label: 'plain-JSON clients', want: TARGETS.cachedVsBarePlain, summed: r.cachedVsBarePlain, pairs: r.cachedVsBarePairs?.plain },
  ];
  if (!r.cachedVsBarePairs) {
    return [
      {
        target: `bare Fastify steady (its repeated runs within ${TARGETS.bareSpread * 100} % of each other), so the ratios measure the service`,
        dialect: d,
        measured: `${pct(r.bareSpread)} apart (widest pair)`,
        met: r.bareSpread <= TARGETS.bareSpread,
      },
      ...codings.map((c) => ({
        target: `cached ≥ ${c.want * 100} % of bare Fastify (${c.label})`,
        dialect: d,
        measured: pct(c.summed),
        met: c.summed >= c.want,
      })),
    ];
  }
  return codings.map((c) => {
    const pairs = c.pairs ?? [];
    const lowest = pairs.length ? Math.min(...pairs) : 0;
    return {
      target: `cached ≥ ${c.want * 100} % of bare Fastify (${c.label}), in every back-to-back pair`,
      dialect: d,
      measured: `lowest pair ${pct(lowest)} (pairs ${pairs.map(pct).join(', ')}; summed ${pct(c.summed)}; bare's runs ${pct(r.bareSpread)} apart)`,
      met: pairs.length > 0 && lowest >= c.want,
    };
  });
}

/**
 * p95 at half peak against bare Fastify's, two ways, both held to the target. From the due time
 * (no coordinated omission: a stall shows in every request it delayed) counts h2load's own bursty
 * sending as latency too, the same milliseconds for both servers, which pulls the ratio toward 1;
 * from the send it does not, but a stall shows only in the requests caught in it. Results written
 * before the second was measured are judged on the first.
 */
function halfRateVerdict(r: DialectResult): Verdict {
  const hr = r.halfRate;
  const ratio = (a: number, b: number) => a / Math.max(1e-9, b);
  const due = ratio(hr.service.p95, hr.bare.p95);
  const svcSent = hr.service.p95FromSend;
  const bareSent = hr.bare.p95FromSend;
  const sent = svcSent !== undefined && bareSent !== undefined ? ratio(svcSent, bareSent) : null;
  const lag = Math.max(hr.service.sendLagP95 ?? 0, hr.bare.sendLagP95 ?? 0);
  return {
    target: `p95 ≤ ${TARGETS.halfRateP95VsBare} × bare Fastify's at half peak (same rate, same paths), from the due time and from the send`,
    dialect: r.dialect,
    measured:
      `${f1(hr.service.p95)} vs ${f1(hr.bare.p95)} ms at ${hr.rate} req/s (${due.toFixed(2)} ×)` +
      (sent === null
        ? ''
        : `; from the send ${f1(svcSent!)} vs ${f1(bareSent!)} ms (${sent.toFixed(2)} ×), h2load sending up to ${f1(lag)} ms late (p95)`) +
      (hr.setAsideLagsMs?.length ? `; measured again after pairs sent up to ${hr.setAsideLagsMs.map(f1).join(' and ')} ms late` : ''),
    met: due <= TARGETS.halfRateP95VsBare && (sent === null || sent <= TARGETS.halfRateP95VsBare),
  };
}

/** PostgreSQL's share of an import's CPU, where it was read (results written before it have none). */
const serverCpu = (i: IngestResult) =>
  i.serverCpuMsPerListing === undefined ? '' : ` + ${i.serverCpuMsPerListing.toFixed(3)} ms the server's`;

/** An import's rounds when it ran more than once (single runs and older results have none to show). */
const roundsOf = (i: IngestResult) => (i.rounds && i.rounds.length > 1 ? i.rounds : null);

/** Where an import went: results written before the second import say nothing. */
const into = (i: IngestResult) =>
  i.storedBefore === undefined ? '' : i.storedBefore === 0 ? ', into an empty database' : `, into ${i.storedBefore} stored`;

export function verdicts(
  results: DialectResult[],
  pathShare: PathShare,
  memory: SampleMemory[] = [],
  ingest: IngestResult[] = [],
): Verdict[] {
  const out: Verdict[] = [];
  for (const i of ingest) {
    const want = TARGETS.ingestPerSecond[i.dialect];
    // The large file's import is there for its memory; its rate would repeat the usual file's row.
    if (i.purpose !== 'memory')
      out.push({
        target: `import ≥ ${want} listings/s (${i.rows} rows${into(i)})`,
        dialect: i.dialect,
        measured: `${Math.round(i.listingsPerSecond)}/s, ${i.cpuMsPerListing.toFixed(3)} ms CPU each${serverCpu(i)}, load ${i.load[0].toFixed(1)}${roundsOf(i) ? ` (${roundsText(i.rounds)})` : ''}`,
        met: i.listingsPerSecond >= want,
      });
    out.push({
      target: `import peak RSS ≤ ${TARGETS.ingestRssMb} MB (${i.rows} rows, ${i.fileMb.toFixed(1)} MB file${into(i)})`,
      dialect: i.dialect,
      measured: `${f1(i.peakRssMb)} MB${roundsOf(i) ? ` (highest of ${roundsOf(i)!.length} rounds)` : ''}`,
      met: i.peakRssMb <= TARGETS.ingestRssMb,
    });
  }
  for (const m of memory) {
    out.push({
      target: `RSS ≤ ${TARGETS.idleRssMb} MB idle after start with the sample data`,
      dialect: m.setup,
      measured: `${f1(m.idleRssMb)} MB`,
      met: m.idleRssMb <= TARGETS.idleRssMb,
    });
    out.push(cleanRuns(m.runs, m.setup));
    out.push({
      target: `RSS ≤ ${TARGETS.loadedRssMb} MB after the mixed load (${m.loadSeconds} s)`,
      dialect: m.setup,
      measured: `${f1(m.loadedRssMb)} MB`,
      met: m.loadedRssMb <= TARGETS.loadedRssMb,
    });
  }
  for (const r of results) {
    const d = r.dialect;
    out.push(cleanRuns([...r.runs, r.halfPeak], d));
    // The gate's hit rate is the steady state (the warm run), not the first seconds after start.
    const on = r.runs.find((m) => m.name.startsWith('zipf mix, cache on') && m.name.includes('warm'));
    out.push({
      target: `bare Fastify CPU-bound (≥ ${TARGETS.bareCpuBoundCores} core in each run), so wrk is not the limit`,
      dialect: d,
      measured: `${r.bareCores.toFixed(2)} core (lowest run)`,
      met: r.bareCores >= TARGETS.bareCpuBoundCores,
    });
    out.push(...cachedVsBareVerdicts(r));
    out.push(halfRateVerdict(r));
    out.push({
      target: `p95 ≤ ${TARGETS.halfPeakP95Ms} ms at half peak`,
      dialect: d,
      measured: `${f1(r.halfPeak.p95)} ms at ${Math.round(r.halfPeak.rps)} req/s`,
      met: r.halfPeak.p95 <= TARGETS.halfPeakP95Ms,
    });
    out.push({
      target: `deep cursor page ≤ ${TARGETS.deepCursorRatio} × page 1`,
      dialect: d,
      measured: `${r.deep.cursorRatio.toFixed(2)} ×`,
      met: r.deep.cursorRatio <= TARGETS.deepCursorRatio,
    });
    const sf = r.stampede.find((x) => x.singleFlight);
    const off = r.stampede.find((x) => !x.singleFlight);
    out.push({
      target: '1 DB load per process in the stampede',
      dialect: d,
      measured: `${sf?.cacheLoads ?? '—'} loads, ${sf?.dbQueries ?? '—'} queries (off: ${off?.cacheLoads ?? '—'} / ${off?.dbQueries ?? '—'})`,
      met: sf?.cacheLoads === 1,
    });
    // Stricter than the plan, whose 85 MB is a replica idle with the sample data (its own row):
    // here the peak across the 100 k-row runs, cache full, is held to it too.
    out.push({
      target: `peak RSS ≤ ${TARGETS.rssMb} MB through the 100 k-row runs (the plan's 85 MB is idle with the sample data, its own row)`,
      dialect: d,
      measured: `${f1(r.peakRssMb)} MB`,
      met: r.peakRssMb <= TARGETS.rssMb,
    });
    // Beside each hit rate, the most a cache of that many responses could serve of this mix (the
    // read tier, with as many entries again, can add to it).
    const bound = (entries: number) =>
      pathShare[entries] === undefined ? '' : ` (top ${entries} paths: ${pct(pathShare[entries]!)} of requests)`;
    if (on)
      out.push({
        target: `hit rate ≥ ${TARGETS.hitRateMemory * 100} % (memory, default ${DEFAULT_ENTRIES} entries; more than the top ${DEFAULT_ENTRIES} paths ask for, so judged against that bound below)`,
        dialect: d,
        measured: `${pct(on.hitRate)}${bound(DEFAULT_ENTRIES)}`,
        met: (on.hitRate ?? 0) >= TARGETS.hitRateMemory,
      });
    const big = r.runs.find((m) => m.name.startsWith('zipf mix, cache on (memory') && m.name.includes('entries'));
    if (big)
      out.push({
        target: `hit rate ≥ ${TARGETS.hitRateMemory * 100} % (memory, phase-4 ${PHASE4_ENTRIES} entries)`,
        dialect: d,
        measured: `${pct(big.hitRate)}${bound(PHASE4_ENTRIES)}`,
        met: (big.hitRate ?? 0) >= TARGETS.hitRateMemory,
      });
    for (const [m, entries] of [
      [on, DEFAULT_ENTRIES],
      [big, PHASE4_ENTRIES],
    ] as const) {
      const b = pathShare[entries];
      if (!m || b === undefined) continue;
      const of = (m.hitRate ?? 0) / b;
      out.push({
        target: `memory hit rate ≥ ${TARGETS.hitRateOfBound * 100} % of the top-${entries} bound`,
        dialect: d,
        measured: `${pct(of)} (${pct(m.hitRate)} of ${pct(b)})`,
        met: of >= TARGETS.hitRateOfBound,
      });
    }
    if (r.redis) {
      out.push({
        target: `hit rate ≥ ${TARGETS.hitRateRedis * 100} % (Redis)`,
        dialect: d,
        measured: pct(r.redis.mix.hitRate),
        met: (r.redis.mix.hitRate ?? 0) >= TARGETS.hitRateRedis,
      });
      out.push({
        target: '1 DB load per cluster in the stampede (Redis)',
        dialect: d,
        measured: `${r.redis.stampedeLoads} loads (${reasons(r.redis.stampedeLoadReasons)}), ${r.redis.stampedeDbQueries} queries`,
        met: r.redis.stampedeLoads === 1,
      });
    }
  }
  return out;
}

export function renderReport(
  results: DialectResult[],
  pathShare: PathShare,
  memory: SampleMemory[] = [],
  ingest: IngestResult[] = [],
): string {
  const parts: string[] = [];
  if (ingest.length) {
    parts.push(
      `\nimport (dealerscope ingest, generated feed)\n${table(
        [
          'dialect',
          'rows',
          'stored before',
          'file MB',
          'seconds',
          'listings/s',
          'CPU ms/listing',
          'server CPU ms/listing',
          'peak RSS MB',
          'load avg',
          'each round, listings/s',
        ],
        ingest.map((i) => [
          i.dialect,
          String(i.rows),
          i.storedBefore === undefined ? '—' : String(i.storedBefore),
          f1(i.fileMb),
          f1(i.seconds),
          String(Math.round(i.listingsPerSecond)),
          i.cpuMsPerListing.toFixed(3),
          i.serverCpuMsPerListing === undefined ? '—' : i.serverCpuMsPerListing.toFixed(3),
          f1(i.peakRssMb),
          i.load.map(f1).join(' → '),
          roundsOf(i)
            ?.map((r) => Math.round(r.listingsPerSecond))
            .join(', ') ?? '—',
        ]),
      )}`,
    );
  }
  const header = [
    'scenario',
    'req/s',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'errors',
    'hit rate',
    'RSS MB',
    'DB queries',
    'CPU µs/req',
    'server cores',
    'replayed',
  ];
  for (const r of results) {
    const rows = [...r.runs, r.halfPeak, r.deep.cursorPage1, r.deep.cursorDeep, r.deep.offsetPage1, r.deep.offsetDeep];
    if (r.redis) rows.push(r.redis.mix);
    parts.push(`\n${r.dialect} — ${r.rows} opportunities (seeded in ${f1(r.seedSeconds)} s)\n${table(header, rows.map(row))}`);
    parts.push(
      table(
        ['stampede: 1000 concurrent cold requests, one key', 'failed', 'loads', 'DB queries'],
        [
          ...r.stampede.map((s) => [
            `single flight ${s.singleFlight ? 'on' : 'off'}`,
            String(s.failed),
            String(s.cacheLoads),
            String(s.dbQueries),
          ]),
          ...(r.redis
            ? [
                [
                  `single flight on, Redis, ${r.redis.replicas} replicas`,
                  String(r.redis.stampedeFailed),
                  String(r.redis.stampedeLoads),
                  String(r.redis.stampedeDbQueries),
                ],
              ]
            : []),
        ],
      ),
    );
    parts.push(
      `cached ÷ bare Fastify (interleaved runs, summed): gzip ${pct(r.cachedVsBare)}, plain ${pct(r.cachedVsBarePlain)}${
        r.cachedVsBarePairs
          ? `; back-to-back pairs: gzip ${r.cachedVsBarePairs.gzip.map(pct).join(', ')}, plain ${r.cachedVsBarePairs.plain.map(pct).join(', ')}`
          : ''
      }; bare's lowest CPU ${r.bareCores.toFixed(2)} core, its repeated runs ${pct(r.bareSpread)} apart`,
    );
    if (r.cachedVsSameHeaders)
      parts.push(
        `cached ÷ bare Fastify sending the service's header block too (no target; how much of the gap is the contract's headers): gzip ${pct(r.cachedVsSameHeaders.gzip)}, plain ${pct(r.cachedVsSameHeaders.plain)}`,
      );
    parts.push(
      `deep pages (cache off, interleaved): cursor page ${r.deep.depth} / page 1 p50 = ${r.deep.cursorRatio.toFixed(2)} ×; offset page ${r.deep.depth} / page 1 p50 = ${r.deep.offsetRatio.toFixed(2)} ×`,
    );
  }
  for (const m of memory) {
    parts.push(
      `\nsample data (${m.listings} listings), ${m.setup}: RSS ${f1(m.idleRssMb)} MB idle after start, ${f1(m.loadedRssMb)} MB after ${m.loadSeconds} s of mixed reads\n${table(header, m.runs.map(row))}`,
    );
  }
  parts.push(
    `\nTargets\n${table(
      ['target', 'dialect', 'measured', 'met'],
      verdicts(results, pathShare, memory, ingest).map((v) => [v.target, v.dialect, v.measured, v.met ? 'yes' : 'NO']),
    )}`,
  );
  return parts.join('\n');
}
