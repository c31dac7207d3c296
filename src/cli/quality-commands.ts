// `dealerscope quarantine …`, `anomalies …` and `quality …`: operator access to the data contract's
// quarantine, anomaly verdicts, the detector's evaluation and the data quality report.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadArbitrageParams } from '../config/index.js';
import { parseCompsFile, parseListingFeed, sampleDir } from '../ingest/index.js';
import { isAnomalyStatus, listAnomalies, listQuarantine, markFalsePositive, measureQuality } from '../quality/index.js';
import { evaluateDetector, evalSetPath, flagRateOnFeed, loadEvalSet } from './anomaly-evaluation.js';
import { withDb } from './with-db.js';

const intOpt = (name: string, v: string, min: number, max: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer ${min}–${max}`);
  return n;
};

/** The <id> argument (a positional, so not named as an option). */
function anomalyId(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < 1)
    throw new Error(`anomaly id must be a positive whole number, got ${JSON.stringify(raw)}`);
  return n;
}

export function registerQualityCommands(program: Command): void {
  const quarantine = program.command('quarantine').description('records the listing data contract quarantined');
  quarantine
    .command('list')
    .description('list quarantined records with every reason (newest first)')
    .option('--status <status>', 'quarantined, released or all', 'quarantined')
    .option('--source <source>', 'only this source key')
    .option('--limit <n>', 'at most this many (1–500)', '50')
    .option('--json', 'print JSON on stdout')
    .action(async (opts: { status: string; source?: string; limit: string; json?: boolean }) => {
      if (!['quarantined', 'released', 'all'].includes(opts.status)) throw new Error('--status must be quarantined, released or all');
      const res = await withDb((db) =>
        listQuarantine(db, {
          status: opts.status === 'all' ? undefined : (opts.status as 'quarantined' | 'released'),
          source: opts.source,
          limit: intOpt('limit', opts.limit, 1, 500),
          offset: 0,
        }),
      );
      if (opts.json) {
        console.log(JSON.stringify(res));
        return;
      }
      console.log(`${res.total} record(s) ${opts.status === 'all' ? 'in the quarantine table' : opts.status}`);
      for (const r of res.items) {
        console.log(
          `#${r.id} ${r.source} lot ${r.lotId} (${r.origin}${r.row !== null ? ` row ${r.row}` : ''}, contract ${r.contractVersion}, ${r.status})`,
        );
        for (const v of r.reasons) console.log(`    ${v.rule}: ${v.message}`);
      }
    });

  const anomalies = program.command('anomalies').description('anomaly flags and the detector');
  anomalies
    .command('list')
    .description('list anomaly flags (newest first)')
    .option('--status <status>', 'open, false_positive, confirmed or resolved')
    .option('--limit <n>', 'at most this many (1–500)', '50')
    .option('--json', 'print JSON on stdout')
    .action(async (opts: { status?: string; limit: string; json?: boolean }) => {
      if (opts.status !== undefined && !isAnomalyStatus(opts.status))
        throw new Error('--status must be open, false_positive, confirmed or resolved');
      const res = await withDb((db) =>
        listAnomalies(db, { status: opts.status as never, limit: intOpt('limit', opts.limit, 1, 500), offset: 0 }),
      );
      if (opts.json) {
        console.log(JSON.stringify(res));
        return;
      }
      console.log(`${res.total} flag(s)`);
      for (const a of res.items)
        console.log(
          `#${a.id} [${a.status}] ${a.kind} — ${a.source} lot ${a.lotId}${a.opportunityId ? ` (opportunity ${a.opportunityId})` : ''}: ${a.detail}`,
        );
    });
  anomalies
    .command('mark-false-positive')
    .description('mark a flag as a false positive: the listing is re-appraised (and may be hot again)')
    .argument('<id>', 'anomaly id (see `anomalies list`)')
    .option('--actor <name>', 'who is marking it, for the record', process.env.USER ?? 'cli')
    .action(async (id: string, opts: { actor: string }) => {
      const res = await withDb((db) =>
        markFalsePositive(db, anomalyId(id), {
          actor: `cli:${opts.actor}`,
          now: Date.now(),
          params: loadArbitrageParams(),
          anomalyDetection: true,
        }),
      );
      console.log(`anomaly #${res.anomaly.id} (${res.anomaly.kind}) marked false positive; ${res.reappraised} opportunity re-appraised`);
    });
  anomalies
    .command('evaluate')
    .description('score the detector on the labelled evaluation set (FP rate, recall) and its flag rate on the bundled sample feed')
    .option('--file <path>', 'evaluation set', evalSetPath())
    .option('--json', 'print JSON on stdout')
    .action((opts: { file: string; json?: boolean }) => {
      const params = loadArbitrageParams();
      const evaluation = evaluateDetector(loadEvalSet(opts.file), params);
      const now = Date.now();
      const dir = sampleDir();
      const listings = parseListingFeed(readFileSync(join(dir, 'listings.csv')), 'csv', { now: new Date(now) }).accepted.map(
        (a) => a.listing,
      );
      const comps = ['comps.csv', 'market-prices.csv'].flatMap((f) =>
        parseCompsFile(readFileSync(join(dir, f)), { now: new Date(now) }).accepted.map((a) => a.comp),
      );
      const sample = flagRateOnFeed(listings, comps, params, now);
      if (opts.json) {
        console.log(JSON.stringify({ evaluation, sample }));
        return;
      }
      console.log(
        `evaluation set: ${evaluation.clean} clean, ${evaluation.anomalies} anomalies → FP rate ${(evaluation.falsePositiveRate * 100).toFixed(2)} %, recall ${(evaluation.recall * 100).toFixed(1)} %`,
      );
      for (const [k, v] of Object.entries(evaluation.recallByKind)) console.log(`  ${k}: ${v.detected}/${v.injected}`);
      console.log(
        `sample feed (unlabelled): ${sample.flagged}/${sample.listings} flagged (${(sample.rate * 100).toFixed(2)} %) ${JSON.stringify(sample.byKind)}`,
      );
    });

  program
    .command('quality')
    .description('data quality')
    .command('report')
    .description('contract compliance, anomaly false-positive ratio, provenance coverage and the quality score per source')
    .option('--json', 'print JSON on stdout')
    .action(async (opts: { json?: boolean }) => {
      const s = await withDb((db) => measureQuality(db, Date.now()));
      if (opts.json) {
        console.log(JSON.stringify(s));
        return;
      }
      const pct = (v: number | null) => (v === null ? 'n/a' : `${(v * 100).toFixed(2)} %`);
      console.log(
        `contract compliance: ${pct(s.compliance.overall.ratio)} (${s.compliance.overall.passed}/${s.compliance.overall.validated})`,
      );
      for (const [src, c] of Object.entries(s.compliance.sources)) console.log(`  ${src}: ${pct(c.ratio)} (${c.passed}/${c.validated})`);
      console.log(
        `anomaly false-positive ratio: ${pct(s.anomalies.falsePositiveRatio)} (${s.anomalies.falsePositives} false positive and ${s.anomalies.confirmed} confirmed of ${s.anomalies.reviewed} reviewed; ${s.anomalies.flagged} flagged of ${s.anomalies.checked} checked)`,
      );
      console.log(
        `provenance coverage: ${pct(s.provenance.coverageRatio)} (${s.provenance.fieldsWithRecord}/${s.provenance.fieldsPublished} fields)`,
      );
      console.log(`data quality score: ${pct(s.quality.overall.score)} over ${s.quality.overall.records} records`);
      for (const [src, q] of Object.entries(s.quality.sources)) {
        console.log(
          `  ${src}: ${pct(q.score)} — ${Object.entries(q.dimensions)
            .map(([d, v]) => `${d} ${pct(v)}`)
            .join(', ')}`,
        );
      }
    });
}
