// The quality monitor reuses its sample of the newest records while nothing it reads has changed,
// and reads it again after an import, a re-appraisal or the reuse bound, on both dialects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/common/clock.js';
import { measureQuality } from '../src/quality/measure.js';
import { QualityMonitor, SAMPLE_REUSE_MS } from '../src/quality/monitor.js';
import { bumpDataVersion } from '../src/opportunities/versions.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';
import { ingestMadeListings } from './support/listings.js';

const pgOk = await requirePostgres();
const T0 = Date.UTC(2026, 10, 1);

describe.each([
  { dialect: 'sqlite' as const, run: true },
  { dialect: 'postgres' as const, run: pgOk },
])('quality monitor sample on $dialect', ({ dialect, run }) => {
  let tdb: TestDb;

  beforeAll(async () => {
    if (!run) return;
    tdb = await createTestDb(dialect);
    await ingestMadeListings(tdb.db, 600, 7, 'A', T0);
  }, 120_000);
  afterAll(async () => {
    if (run) await tdb.drop();
  });

  it.runIf(run)('reuses an unchanged sample, and reads it again once the data or the bound says so', async () => {
    const clock = new ManualClock(T0 + 60_000);
    const monitor = new QualityMonitor(tdb.db, clock);
    const queries = async () => {
      const before = tdb.db.stats.queries;
      const snap = await monitor.refresh();
      return { snap, queries: tdb.db.stats.queries - before };
    };

    const first = await queries();
    expect(monitor.samples).toEqual({ read: 1, reused: 0 });
    expect(first.snap.provenance.opportunities).toBe(600);
    // The same figures as a pass that reads everything.
    const full = await measureQuality(tdb.db, clock.now());
    expect(first.snap.provenance).toEqual(full.provenance);
    expect(first.snap.quality).toEqual(full.quality);

    clock.advance(30_000);
    const second = await queries();
    expect(monitor.samples).toEqual({ read: 1, reused: 1 });
    expect(second.snap.provenance).toEqual(first.snap.provenance);
    expect(second.snap.quality).toEqual(first.snap.quality);
    expect(second.snap.at).not.toBe(first.snap.at);
    // Neither walk ran: each reads 600 rows in at least three slices of 200, one query a slice.
    expect(first.queries - second.queries).toBeGreaterThanOrEqual(2 * 3);

    // An import changes what the sample holds.
    await ingestMadeListings(tdb.db, 150, 8, 'B', T0 + 90_000);
    clock.advance(30_000);
    const third = await queries();
    expect(monitor.samples).toEqual({ read: 2, reused: 1 });
    expect(third.snap.provenance.opportunities).toBe(750);

    // A bare data-version bump (re-appraisal, the ended-auction sweep) reads it again too.
    await bumpDataVersion(tdb.db, clock.now());
    clock.advance(30_000);
    await queries();
    expect(monitor.samples).toEqual({ read: 3, reused: 1 });

    // Unchanged data is read again once the reuse bound has passed.
    clock.advance(SAMPLE_REUSE_MS - 1);
    await queries();
    expect(monitor.samples).toEqual({ read: 3, reused: 2 });
    clock.advance(1);
    await queries();
    expect(monitor.samples).toEqual({ read: 4, reused: 2 });
  });
});
