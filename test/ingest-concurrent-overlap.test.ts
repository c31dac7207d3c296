// Two imports of overlapping lots at once on PostgreSQL (the same fleet in two files, in different
// orders): both must finish, whatever order each file gives the lots in, with every lot stored
// once.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFeedFile } from '../bench/ingest-feed.js';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { importFeedSource } from '../src/ingest/feed-import.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';

const pgOk = await requirePostgres();
const NOW = Date.UTC(2026, 10, 26, 12);
const dir = mkdtempSync(join(tmpdir(), 'ds-ingest-overlap-'));

describe.runIf(pgOk)('concurrent imports of overlapping lots on PostgreSQL', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb('postgres');
  });
  afterAll(async () => {
    await t?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('both finish whatever order each file gives the lots in', async () => {
    const forward = join(dir, 'forward.csv');
    await writeFeedFile(forward, 1500);
    const [header, ...rows] = readFileSync(forward, 'utf8').trimEnd().split('\n');
    const backward = join(dir, 'backward.csv');
    // The same lots batch for batch, each batch's in the opposite order: the two imports write
    // the same lots at the same moments.
    const blocks: string[] = [];
    for (let i = 0; i < rows.length; i += 250) blocks.push(...rows.slice(i, i + 250).reverse());
    writeFileSync(backward, `${[header, ...blocks].join('\n')}\n`);
    const opts = (origin: string) => ({ origin, now: NOW, params: defaultArbitrageParams(), batchRows: 250 });
    const [a, b] = await Promise.all([
      importFeedSource(t.db, { path: forward }, 'csv', opts('forward.csv')),
      importFeedSource(t.db, { path: backward }, 'csv', opts('backward.csv')),
    ]);
    expect(a.accepted).toBe(b.accepted);
    const stored = (s: typeof a) => s.created + s.updated + s.unchanged;
    const listings = await t.db.kysely
      .selectFrom('listings')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const opportunities = await t.db.kysely
      .selectFrom('opportunities')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    // Each import stored every lot it published, and each lot is stored once.
    expect(stored(a)).toBeGreaterThan(1000);
    expect(stored(b)).toBe(stored(a));
    expect(Number(listings.n)).toBe(stored(a));
    expect(Number(opportunities.n)).toBe(stored(a));
    // Each lot counts as created by the one import whose upsert inserted it, the other updated it.
    expect(a.created + b.created).toBe(Number(listings.n));
  }, 120_000);
});
