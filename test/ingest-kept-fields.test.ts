// A later feed with fewer columns updates a lot without erasing what it does not mention: the
// fields it has no column for keep their stored values, and provenance says so. A blank cell in a
// column the file does have is a value, and replaces the stored one.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { systemClock } from '../src/common/clock.js';
import { createEvidenceStore, evidenceSettings, verifyProvenance, type EvidenceStore } from '../src/evidence/index.js';
import { importListingFeed } from '../src/ingest/import-service.js';
import { expandProvenance } from '../src/quality/provenance/records.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';

const pgOk = await requirePostgres();
const NOW = Date.UTC(2026, 11, 5, 12);
const params = defaultArbitrageParams();

const FULL = [
  'source,lot_id,year,make,model,trim,vin,mileage,current_bid,auction_end,city,state,zip,listing_url,title_status,description,buyer_premium_pct,doc_fee',
  'GovDeals,A1,2012,Toyota,Tacoma,Base,5TFPD3S57CN500001,123456,1500,2026-12-14T14:24:00Z,Jacksonville,FL,32202,https://example.test/a1,clean,Runs,12,75',
  'GovDeals,A2,2014,Ford,F-150,XL,1FTFW1EF2EFA00002,98000,4200,2026-12-15T16:00:00Z,Tampa,FL,33602,https://example.test/a2,clean,Runs and drives,,',
].join('\n');
// The same lots later: a feed of the required columns only, and one with a blank mileage cell.
const MINIMAL = [
  'source,lot_id,year,make,model,current_bid,auction_end,state',
  'GovDeals,A1,2012,Toyota,Tacoma,1600,2026-12-14T14:24:00Z,FL',
].join('\n');
const BLANK_MILEAGE = [
  'source,lot_id,year,make,model,mileage,current_bid,auction_end,state',
  'GovDeals,A2,2014,Ford,F-150,,4300,2026-12-15T16:00:00Z,FL',
].join('\n');

describe.each([
  { dialect: 'sqlite' as const, run: true },
  { dialect: 'postgres' as const, run: pgOk },
])('a later feed without some columns, on $dialect', ({ dialect, run }) => {
  let tdb: TestDb;
  let dir: string;
  let evidence: EvidenceStore;
  beforeAll(async () => {
    if (!run) return;
    tdb = await createTestDb(dialect);
    dir = mkdtempSync(join(tmpdir(), 'ds-kept-'));
    evidence = createEvidenceStore({ db: tdb.db, clock: systemClock, env: {}, settings: { ...evidenceSettings({}), dir } });
  });
  afterAll(async () => {
    if (!run) return;
    await evidence.close();
    await tdb.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const listing = (lot: string) =>
    tdb.db.kysely.selectFrom('listings').selectAll().where('source', '=', 'govdeals').where('lot_id', '=', lot).executeTakeFirstOrThrow();

  it.runIf(run)('keeps the stored values of the fields it has no column for, and says where they came from', async () => {
    await importListingFeed(tdb.db, FULL, 'csv', { origin: 'full.csv', now: NOW, params, snapshots: evidence });
    const before = await listing('A1');

    const res = await importListingFeed(tdb.db, MINIMAL, 'csv', { origin: 'minimal.csv', now: NOW + 60_000, params, snapshots: evidence });
    expect(res.updated).toBe(1);
    const after = await listing('A1');
    expect(Number(after.current_bid_cents)).toBe(160_000);
    expect(after.origin).toBe('minimal.csv');
    for (const column of [
      'trim',
      'vin',
      'mileage',
      'city',
      'zip',
      'listing_url',
      'title_status',
      'description',
      'buyer_premium_bp',
      'doc_fee_cents',
    ] as const)
      expect({ column, value: after[column] === null ? null : String(after[column]) }).toEqual({
        column,
        value: before[column] === null ? null : String(before[column]),
      });
    expect(after.title_status).toBe('clean');

    const prov = await tdb.db.kysely
      .selectFrom('quality_provenance')
      .selectAll()
      .where('listing_id', '=', after.id)
      .executeTakeFirstOrThrow();
    const fields = expandProvenance(prov);
    expect(fields.mileage).toMatchObject({ method: 'imputed', inputs: ['stored listing'], locator: null });
    expect(fields.mileage?.assumption).toContain('full.csv');
    expect(fields['currentBid']).toMatchObject({ method: 'extracted', locator: 'csv:row=2;column=current_bid' });

    // Verification re-reads the minimal file: it cannot confirm the kept fields, and they are no drift.
    const report = await verifyProvenance({ db: tdb.db, evidence, env: {} }, { listingId: Number(after.id) });
    expect(report.outcome).toBe('match');
    expect(report.notes.join(' ')).toContain('kept from an earlier import');

    // The same minimal file again changes nothing.
    const again = await importListingFeed(tdb.db, MINIMAL, 'csv', { origin: 'minimal.csv', now: NOW + 120_000, params });
    expect(again.unchanged).toBe(1);
  });

  it.runIf(run)('takes a blank cell in a column the file has as the value', async () => {
    await importListingFeed(tdb.db, BLANK_MILEAGE, 'csv', { origin: 'blank.csv', now: NOW + 180_000, params });
    const after = await listing('A2');
    expect(after.mileage).toBeNull();
    expect(Number(after.current_bid_cents)).toBe(430_000);
    // Columns this file lacks are still kept.
    expect(after.vin).toBe('1FTFW1EF2EFA00002');
  });

  it.runIf(run)(
    'checks a row against the contract again once a kept field is filled in, and quarantines it when they disagree',
    async () => {
      // The first read of the file sees no VIN and passes the row; the stored VIN it keeps says 2012
      // (its tenth character, C), the row says 2015.
      const NEW_YEAR = [
        'source,lot_id,year,make,model,current_bid,auction_end,state',
        'GovDeals,A1,2015,Toyota,Tacoma,1700,2026-12-14T14:24:00Z,FL',
      ].join('\n');
      const res = await importListingFeed(tdb.db, NEW_YEAR, 'csv', { origin: 'new-year.csv', now: NOW + 240_000, params });
      expect(res.quality?.quarantinedRows).toEqual([
        expect.objectContaining({ row: 2, lotId: 'A1', reasons: [expect.objectContaining({ rule: 'vin.model_year' })] }),
      ]);
      // Its earlier, compliant version is no longer published.
      expect(res.quality?.unpublished).toBe(1);
      expect(Number((await listing('A1')).is_active)).toBe(0);
    },
  );
});
