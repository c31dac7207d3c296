// A streamed import on a SQLite connection opened with write groups (as the CLI opens it): a
// second of batches is committed at once, what lands is exactly what the ungrouped pipeline
// stores, and a batch that fails takes only its own group with it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFeedFile } from '../bench/ingest-feed.js';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { importFeedSource, WRITE_GROUP_MS } from '../src/ingest/feed-import.js';
import type { ImportSummary } from '../src/ingest/import-records.js';
import { openDb, type Db } from '../src/storage/index.js';
import { loadSqlite } from '../src/storage/db.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { expectSameImport, rowCount, wholeFileImportAt } from './support/import-snapshot.js';

const NOW = Date.UTC(2026, 10, 26, 12);
const params = defaultArbitrageParams();
const BATCH = 150;
/** The test's clock moves this far at each reading: a group closes after every third batch. */
const TICK = Math.ceil(WRITE_GROUP_MS / 2.5);
const BATCHES_PER_GROUP = Math.ceil(WRITE_GROUP_MS / TICK);

const dir = mkdtempSync(join(tmpdir(), 'ds-ingest-groups-'));
let file: string;
beforeAll(async () => {
  file = join(dir, 'feed-1200.csv');
  await writeFeedFile(file, 1200, { reference: NOW });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Imports `file` into `t`'s database through a second connection opened with write groups, as the
 * CLI opens its own; `onPublish` is called as each batch to publish is taken in, `afterPublished`
 * as each is done.
 */
async function groupedImport(t: TestDb, afterPublished: () => void = () => {}, onPublish: () => void = () => {}): Promise<ImportSummary> {
  const writer: Db = openDb(t.url, { writeGroups: true });
  let clock = 0;
  let pass: 'survey' | 'publish' = 'survey';
  try {
    return await importFeedSource(writer, { path: file }, 'csv', {
      origin: 'feed.csv',
      now: NOW,
      params,
      batchRows: BATCH,
      elapsedMs: () => (clock += TICK),
      onBatch: (_rows, p) => {
        pass = p;
        if (p === 'publish') onPublish();
      },
      afterBatch: () => {
        if (pass === 'publish') afterPublished();
      },
    });
  } finally {
    await writer.close();
  }
}

describe('streamed import with write groups (SQLite)', () => {
  it('commits a group of batches at once and stores exactly what the ungrouped pipeline stores', async () => {
    const [whole, grouped] = await Promise.all([createTestDb('sqlite'), createTestDb('sqlite')]);
    try {
      const expected = await wholeFileImportAt(whole.db, readFileSync(file), NOW, params);
      // Read as each batch is done, before its group may commit, by a connection of another
      // process's kind: synchronous, so the read cannot drift past the commit.
      const other = new (loadSqlite())(grouped.url.slice('sqlite:'.length), { readonly: true });
      const counts: number[] = [];
      let summary: ImportSummary;
      try {
        const count = other.prepare('SELECT count(*) AS n FROM listings').pluck();
        summary = await groupedImport(grouped, () => counts.push(count.get() as number));
      } finally {
        other.close();
      }
      const batches = Math.ceil(summary.accepted / BATCH);
      expect(counts).toHaveLength(batches);
      // After batch k (from 1), the groups closed before it are what another connection sees.
      counts.forEach((n, i) => expect(n).toBe(Math.min(summary.accepted, BATCH * BATCHES_PER_GROUP * Math.floor(i / BATCHES_PER_GROUP))));
      expect(await rowCount(grouped.db, 'listings')).toBe(summary.accepted);
      await expectSameImport(whole.db, expected, grouped.db, summary);
    } finally {
      await Promise.all([whole.drop(), grouped.drop()]);
    }
  });

  // A failure from the database (a trigger refusing a row) and one of the import's own (a batch
  // that throws before it writes), each in the fifth batch: the second group's second batch.
  it.each([
    { failure: 'the database refuses a row', message: /listing store refused the row/ },
    { failure: 'a batch throws', message: /the fifth batch could not be priced/ },
  ])(
    'loses only the failing batch’s group when $failure: earlier groups stay, whole, and the import is marked failed',
    async ({ failure, message }) => {
      const t = await createTestDb('sqlite');
      try {
        let published = 0;
        let onPublish = () => {};
        if (failure === 'a batch throws') {
          onPublish = () => {
            if (++published === 5) throw new Error('the fifth batch could not be priced');
          };
        } else {
          const failAt = BATCH * 4 + 50;
          await sql
            .raw(
              `CREATE TRIGGER fail_midway BEFORE INSERT ON listings WHEN (SELECT count(*) FROM listings) >= ${failAt} ` +
                `BEGIN SELECT RAISE(ABORT, 'listing store refused the row'); END`,
            )
            .execute(t.db.kysely);
        }
        await expect(groupedImport(t, () => {}, onPublish)).rejects.toThrow(message);
        const kept = BATCH * BATCHES_PER_GROUP;
        expect(await rowCount(t.db, 'listings')).toBe(kept);
        const counts = await sql<{ o: number; p: number; orphans: number }>`
        SELECT (SELECT count(*) FROM opportunities) AS o, (SELECT count(*) FROM quality_provenance) AS p,
               (SELECT count(*) FROM listings l WHERE NOT EXISTS (SELECT 1 FROM opportunities o WHERE o.listing_id = l.id)) AS orphans`.execute(
          t.db.kysely,
        );
        expect(counts.rows[0]).toEqual({ o: kept, p: kept, orphans: 0 });
        const imports = await t.db.kysely.selectFrom('imports').select(['status']).execute();
        expect(imports).toEqual([{ status: 'failed' }]);
        // The store is writable again: the next import runs.
        await sql`DROP TRIGGER IF EXISTS fail_midway`.execute(t.db.kysely);
        const again = await groupedImport(t);
        expect(await rowCount(t.db, 'listings')).toBe(again.accepted);
      } finally {
        await t.drop();
      }
    },
  );
});
