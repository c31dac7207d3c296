// DAMA dimensions on a crafted set whose expected values are worked out by hand in the comments.
import { describe, expect, it } from 'vitest';
import type { ListingInput } from '../../opportunities/index.js';
import { makeVin } from '../../../test/support/vins.js';
import { qualityReport, type QualityRecord } from './quality-score.js';

const T = Date.UTC(2026, 10, 20, 12);
const H = 3_600_000;
const V1 = makeVin('1FTEW1EP', 'M', '1'); // 2021, shared by r1, r2 and r5
const V2 = makeVin('1FTEW1EP', 'J', '2'); // codes 2018 on a listing that says 2021

function listing(over: Partial<ListingInput>): ListingInput {
  return {
    source: 'a',
    lotId: 'x',
    title: '2021 Ford F-150',
    year: 2021,
    make: 'Ford',
    model: 'F-150',
    trim: 'XL',
    vin: null,
    mileage: 40_000,
    currentBidCents: 1_000_000,
    auctionEndsAt: new Date(T + 24 * H),
    city: 'Los Angeles',
    state: 'CA',
    zip: '90012',
    listingUrl: 'https://example.test/1',
    titleStatus: 'clean',
    description: 'Runs.',
    buyerPremiumPct: null,
    docFeeCents: null,
    ...over,
  };
}

const records: QualityRecord[] = [
  // r1: 8/8 fields, compliant, fresh, consistent
  { listing: listing({ lotId: '1', vin: V1 }), fetchedAt: T - H, compliant: true },
  // r2: no trim → 7/8; same VIN as r1
  { listing: listing({ lotId: '2', vin: V1, trim: null }), fetchedAt: T - H, compliant: true },
  // r3: nothing optional → 0/8 (unknown title counts as missing); quarantined; auction over
  {
    listing: listing({
      lotId: '3',
      trim: null,
      mileage: null,
      city: null,
      zip: null,
      listingUrl: null,
      description: null,
      titleStatus: 'unknown',
      auctionEndsAt: new Date(T - 2 * H),
    }),
    fetchedAt: T - H,
    compliant: false,
  },
  // r4: no trim → 7/8; VIN year ≠ year (inconsistent); fetched 8 days ago (stale)
  { listing: listing({ lotId: '4', vin: V2, trim: null }), fetchedAt: T - 8 * 24 * H, compliant: false },
  // r5 (source b): complete, but the VIN of r1 again
  { listing: listing({ source: 'b', lotId: '5', vin: V1 }), fetchedAt: T - H, compliant: true },
];

describe('data quality score', () => {
  const report = qualityReport(records, T);

  it('scores each dimension of source a as counted by hand', () => {
    const a = report.sources.a!;
    expect(a.records).toBe(4);
    expect(a.dimensions.completeness).toBeCloseTo((8 + 7 + 0 + 7) / 32, 10);
    expect(a.dimensions.validity).toBeCloseTo(2 / 4, 10);
    expect(a.dimensions.uniqueness).toBeCloseTo(1 - 2 / 3, 10); // r1, r2 duplicated among r1, r2, r4
    expect(a.dimensions.timeliness).toBeCloseTo(2 / 4, 10);
    expect(a.dimensions.consistency).toBeCloseTo(3 / 4, 10);
    expect(a.score).toBeCloseTo(0.2 * (22 / 32) + 0.25 * 0.5 + 0.2 * (1 / 3) + 0.15 * 0.5 + 0.2 * 0.75, 10);
  });

  it('counts a VIN repeated in another source as a duplicate', () => {
    const b = report.sources.b!;
    expect(b.dimensions).toEqual({ completeness: 1, validity: 1, uniqueness: 0, timeliness: 1, consistency: 1 });
    expect(b.score).toBeCloseTo(0.8, 10);
  });

  it('computes the overall score over all records, not as a mean of sources', () => {
    const o = report.overall;
    expect(o.dimensions.completeness).toBeCloseTo(30 / 40, 10);
    expect(o.dimensions.validity).toBeCloseTo(3 / 5, 10);
    expect(o.dimensions.uniqueness).toBeCloseTo(1 / 4, 10);
    expect(o.dimensions.timeliness).toBeCloseTo(3 / 5, 10);
    expect(o.dimensions.consistency).toBeCloseTo(4 / 5, 10);
    expect(o.score).toBeCloseTo(0.2 * 0.75 + 0.25 * 0.6 + 0.2 * 0.25 + 0.15 * 0.6 + 0.2 * 0.8, 10);
  });
});
