// `dealerscope migrate`, `ingest` and `comps import`: the data-loading commands.
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { loadArbitrageParams, loadConfig } from '../config/index.js';
import { loadFlagsFromDb } from '../flags/index.js';
import {
  detectFeedFormat,
  importCompsFile,
  importExitCode,
  importFeedSource,
  importSummaryBody,
  type ReportedReject,
} from '../ingest/index.js';
import { createEvidenceStore } from '../evidence/index.js';
import { systemClock } from '../common/clock.js';
import { heapCeiling } from '../common/heap-ceiling.js';
import { openDb } from '../storage/index.js';
import { migrate } from '../schema/migrate.js';
import { megabytes, progressReporter } from './progress.js';
import { withDb } from './with-db.js';

const MAX_FILE_BYTES = 512 * 1024 * 1024;
/**
 * Heap in use past which `ingest` collects between batches (src/common/heap-ceiling.ts): above
 * the import's live set (25–35 MB for 20 k rows; 40 MB measured 194 MB peak RSS, 64 MB 211 MB),
 * and low enough that heap plus the process's ~85 MB of code and native memory stays under 200 MB.
 * On SQLite that native memory includes the import's 16 MB page cache and its statement journals.
 */
const INGEST_HEAP_CEILING_MB = { sqlite: 48, postgres: 64 } as const;
/**
 * The import's statement journals stay in memory (openDb's memoryTempFiles), its commits
 * checkpoint the WAL every 10,000 pages, not 1,000 (a 20,000-listing file into a store of 20,000
 * made 101 fsyncs at SQLite's default and 26 at this), and its page cache is 16 MB, not the
 * service's 4 MB (the same import read 73,000 pages back from the WAL and the file instead of
 * 233,000). On PostgreSQL its batches commit without waiting for the WAL flush, and the data
 * version and the import's record durably, which flushes them all (openDb's asyncCommit). On
 * SQLite a second of batches commits as one transaction (openDb's writeGroups, WRITE_GROUP_MS):
 * this process uses the connection for the import alone.
 * docs/architecture.md, "Checkpoints", "The import's page cache", "Kept (2026-12-07, fourth)" and
 * "A second of batches, one commit".
 */
const INGEST_DB = {
  memoryTempFiles: true,
  walCheckpointPages: 10_000,
  pageCacheKib: 16 * 1024,
  asyncCommit: true,
  writeGroups: true,
} as const;

/** Exit codes: 0 every row landed and was published, 2 some rejected or quarantined, 1 could not run (docs/commands.md). */
export const EXIT = { ok: 0, failed: 1, partial: 2 } as const;

function checkInput(file: string): void {
  const st = statSync(file);
  if (!st.isFile()) throw new Error(`${file} is not a file`);
  if (st.size > MAX_FILE_BYTES) throw new Error(`${file} is ${st.size} bytes; the limit is ${MAX_FILE_BYTES}`);
}

function readInput(file: string): Buffer {
  checkInput(file);
  return readFileSync(file);
}

/** The first bytes of a file, enough to tell JSON from CSV. */
function head(file: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(64);
    return buf.subarray(0, readSync(fd, buf, 0, 64, 0));
  } finally {
    closeSync(fd);
  }
}

function printRejects(rejects: readonly ReportedReject[], json: boolean): void {
  if (json) return;
  for (const r of rejects.slice(0, 200)) process.stderr.write(`  row ${r.row}${r.lotId ? ` (lot ${r.lotId})` : ''}: ${r.reason}\n`);
  if (rejects.length > 200) process.stderr.write(`  … and ${rejects.length - 200} more (all kept in the import_rejects table)\n`);
}

function printQuarantined(rows: ReturnType<typeof importSummaryBody>['quarantined']): void {
  if (rows.length === 0) return;
  process.stderr.write(`quarantined by the data contract (stored, not published; \`dealerscope quarantine list\`):\n`);
  for (const r of rows.slice(0, 200))
    process.stderr.write(`  row ${r.row ?? '?'} (${r.source} lot ${r.lotId}): ${r.reasons.map((v) => v.message).join('; ')}\n`);
  if (rows.length > 200) process.stderr.write(`  … and ${rows.length - 200} more\n`);
}

export function registerDataCommands(program: Command): void {
  program
    .command('migrate')
    .description('apply database migrations (idempotent) to DATABASE_URL')
    .action(async () => {
      const db = openDb(loadConfig().databaseUrl);
      try {
        const r = await migrate(db);
        console.log(r.applied.length ? `applied ${r.applied.join(', ')}` : `up to date (${r.alreadyApplied} migrations)`);
      } finally {
        await db.close();
      }
    });

  program
    .command('ingest')
    .description(
      'import a CSV or JSON listing feed; upserts by source + lot_id. Exit 0 every row published, 2 some rejected or quarantined, 1 could not run',
    )
    .requiredOption('-f, --file <path>', 'feed file (.csv with a header row, or .json array)')
    .option('--format <format>', 'csv or json (default: from the file name and content)')
    .option('--json', 'print the summary as JSON on stdout')
    .action(async (opts: { file: string; format?: string; json?: boolean }) => {
      // Streamed: the file is read in windows, never whole (src/ingest/feed-import.ts).
      checkInput(opts.file);
      const format = opts.format ?? detectFeedFormat(opts.file, head(opts.file));
      if (format !== 'csv' && format !== 'json') throw new Error(`--format must be csv or json, got ${format}`);
      const params = loadArbitrageParams();
      const summary = await withDb(async (db) => {
        // A PostgreSQL import holds no page cache or journal in this process, so its heap has room
        // for fewer forced collections: at 64 MB, against 48, eight alternated pairs of the
        // benchmark's import took a median 9.64 against 10.03 s and 8.4 against 9.2 s of CPU,
        // peaking at 161–166 MB against 148–154 MB (174 MB for a 100,000-listing file).
        const ceiling = heapCeiling({ ceilingBytes: INGEST_HEAP_CEILING_MB[db.dialect] * 1024 * 1024 });
        const evidence = createEvidenceStore({ db, clock: systemClock, env: process.env, log: (m) => process.stderr.write(`${m}\n`) });
        try {
          return await importFeedSource(db, { path: opts.file }, format, {
            origin: basename(opts.file),
            now: Date.now(),
            params,
            onSurveyProgress: progressReporter('checking', { unit: megabytes }),
            onProgress: progressReporter('listings'),
            flags: await loadFlagsFromDb(db, loadConfig()),
            snapshots: evidence,
            afterBatch: () => ceiling.check(),
            afterPeerPage: () => ceiling.check(),
          });
        } finally {
          await evidence.close();
        }
      }, INGEST_DB);
      const body = importSummaryBody(summary);
      if (opts.json) console.log(JSON.stringify(body));
      else {
        const published = summary.accepted - body.quarantined.length;
        console.log(
          `${opts.file}: ${summary.rows} rows: ${published} published (${summary.created} new, ${summary.updated} updated, ${summary.unchanged} unchanged), ${body.quarantined.length} quarantined, ${summary.rejected.length} rejected; ${body.flagged} flagged${body.superseded ? `; ${body.superseded} row(s) replaced by a later row of the same lot` : ''}${body.unpublished ? `; ${body.unpublished} live listing(s) withdrawn, their update quarantined` : ''}`,
        );
        printRejects(summary.rejected, false);
        printQuarantined(body.quarantined);
      }
      process.exitCode = importExitCode(summary) === 0 ? EXIT.ok : EXIT.partial;
    });

  const comps = program.command('comps').description('market comparables');
  comps
    .command('import')
    .description(
      'import dealer sales (VIN, Year, Make, Model, Sale Price, Sale Date[, Mileage, Condition, Location, State]) or market price rows; re-appraises affected opportunities',
    )
    .argument('<file>', 'CSV file')
    .option('--json', 'print the summary as JSON on stdout')
    .action(async (file: string, opts: { json?: boolean }) => {
      const content = readInput(file);
      const params = loadArbitrageParams();
      const summary = await withDb(async (db) =>
        importCompsFile(db, content, {
          origin: basename(file),
          now: Date.now(),
          params,
          onProgress: progressReporter('comps'),
          flags: await loadFlagsFromDb(db, loadConfig()),
        }),
      );
      if (opts.json) console.log(JSON.stringify({ ...summary, rejected: summary.rejected.map(({ raw: _raw, ...r }) => r) }));
      else {
        console.log(
          `${file}: ${summary.rows} rows, ${summary.inserted} new comps, ${summary.duplicates} already known, ${summary.rejected.length} rejected; ${summary.recomputed} opportunities re-appraised`,
        );
        printRejects(summary.rejected, false);
      }
      process.exitCode = summary.rejected.length ? EXIT.partial : EXIT.ok;
    });
}
