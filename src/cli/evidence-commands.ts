// `dealerscope provenance verify ID` and `dealerscope evidence stats|gc`: the stored source
// snapshots (disk, or the bucket OBJECT_STORE_URL names) and the check of provenance against them.
import type { Command } from 'commander';
import {
  createEvidenceStore,
  isVerifyError,
  VERIFY_EXIT,
  verifyProvenance,
  type EvidenceStore,
  type VerifyReport,
} from '../evidence/index.js';
import { systemClock } from '../common/clock.js';
import type { Db } from '../storage/index.js';
import { withDb } from './with-db.js';

const log = (m: string) => process.stderr.write(`${m}\n`);

async function withEvidence<T>(fn: (db: Db, evidence: EvidenceStore) => Promise<T>): Promise<T> {
  return withDb(async (db) => {
    const evidence = createEvidenceStore({ db, clock: systemClock, env: process.env, log });
    try {
      return await fn(db, evidence);
    } finally {
      await evidence.close();
    }
  });
}

const show = (v: unknown) => (v === null ? '∅' : JSON.stringify(v).slice(0, 120));

export function formatVerify(r: VerifyReport): string {
  const lines = [
    `${r.opportunityId !== null ? `opportunity ${r.opportunityId}, ` : ''}listing ${r.listingId} (${r.source} lot ${r.lotId})`,
    `  snapshot ${r.snapshotHash} of ${r.sourceUrl} in ${r.evidenceLocation}`,
    `  extractor recorded ${r.recordedExtractor}, re-run ${r.rerunExtractor ?? '—'}`,
  ];
  for (const f of r.fields)
    lines.push(
      `  ${f.match ? 'ok   ' : 'DRIFT'} ${f.field}: ${f.match ? show(f.stored) : `stored ${show(f.stored)}, snapshot says ${show(f.extracted)}`}${f.locator && !f.match ? ` (at ${f.locator})` : ''}`,
    );
  for (const n of r.notes) lines.push(`  note: ${n}`);
  const drift = r.fields.filter((f) => !f.match).length;
  lines.push(
    r.outcome === 'match'
      ? `MATCH: all ${r.fields.length} fields re-extracted from the stored snapshot equal the stored values`
      : r.outcome === 'drift'
        ? `DRIFT: ${drift} field(s) no longer match${drift === 0 ? ' (see notes)' : ''}`
        : 'EVIDENCE MISSING: the snapshot cannot be read',
  );
  return lines.join('\n');
}

export function registerEvidenceCommands(program: Command): void {
  program
    .command('provenance')
    .description('field provenance')
    .command('verify')
    .description(
      `re-run the recorded extractor on the stored snapshot and report every field that no longer matches. Exit ${VERIFY_EXIT.match} all match, ${VERIFY_EXIT.drift} drift, ${VERIFY_EXIT.evidenceMissing} snapshot missing or corrupt, ${VERIFY_EXIT.failed} could not run`,
    )
    .argument('<id>', 'opportunity id (as in /api/opportunities/:id/provenance), or a listing id with --listing')
    .option('--listing', 'the id is a listing id')
    .option('--json', 'print the report as JSON on stdout')
    .action(async (raw: string, opts: { listing?: boolean; json?: boolean }) => {
      if (!/^[1-9][0-9]{0,14}$/.test(raw)) throw new Error(`id must be a positive integer, got "${raw}"`);
      const id = Number(raw);
      let report: VerifyReport;
      try {
        report = await withEvidence((db, evidence) =>
          verifyProvenance({ db, evidence, env: process.env }, opts.listing ? { listingId: id } : { opportunityId: id }),
        );
      } catch (err) {
        if (!(await isVerifyError(err))) throw err;
        process.stderr.write(`dealerscope: ${(err as Error).message}\n`);
        process.exitCode = VERIFY_EXIT.failed;
        return;
      }
      console.log(opts.json ? JSON.stringify(report) : formatVerify(report));
      process.exitCode =
        report.outcome === 'match' ? VERIFY_EXIT.match : report.outcome === 'drift' ? VERIFY_EXIT.drift : VERIFY_EXIT.evidenceMissing;
    });

  const evidence = program.command('evidence').description('stored source snapshots (local disk or OBJECT_STORE_URL)');
  evidence
    .command('stats')
    .description('where snapshots are kept, how many and how many bytes')
    .option('--json', 'print JSON on stdout')
    .action(async (opts: { json?: boolean }) => {
      const res = await withEvidence(async (_db, e) => ({
        location: e.location,
        retentionDays: e.retentionDays,
        ...(await e.totalsNow()),
      }));
      console.log(
        opts.json
          ? JSON.stringify(res)
          : `${res.objects} snapshot(s), ${res.bytes} bytes in ${res.location}; kept ${res.retentionDays} days after last seen`,
      );
    });
  evidence
    .command('gc')
    .description("delete snapshots last seen more than SNAPSHOT_RETENTION_DAYS ago, except those a live listing's provenance still names")
    .option('--dry-run', 'only count what would be deleted')
    .option('--json', 'print JSON on stdout')
    .action(async (opts: { dryRun?: boolean; json?: boolean }) => {
      const r = await withEvidence((_db, e) => e.gc({ dryRun: opts.dryRun, onProgress: (n) => log(`examined ${n} expired snapshot(s)…`) }));
      console.log(
        opts.json
          ? JSON.stringify(r)
          : `${opts.dryRun ? 'would delete' : 'deleted'} ${r.deleted} of ${r.examined} snapshot(s) last seen before ${r.cutoff} (${r.bytesFreed} bytes); kept ${r.keptReferenced} still named by live listings`,
      );
    });
}
