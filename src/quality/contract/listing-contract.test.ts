import { describe, expect, it } from 'vitest';
import type { ListingInput } from '../../opportunities/index.js';
import { makeVin } from '../../../test/support/vins.js';
import { LISTING_CONTRACT_VERSION, listingContractDocument, validateListing } from './listing-contract.js';

const NOW = Date.UTC(2026, 10, 20);
const good: ListingInput = {
  source: 'govdeals',
  lotId: '1234-5678',
  title: '2021 Ford F-150 XL',
  year: 2021,
  make: 'Ford',
  model: 'F-150',
  trim: 'XL',
  vin: makeVin('1FTEW1EP', 'M', '7'),
  mileage: 40_000,
  currentBidCents: 900_000,
  auctionEndsAt: new Date(NOW + 5 * 86_400_000),
  city: 'Houston',
  state: 'TX',
  zip: '77002',
  listingUrl: 'https://www.govdeals.com/asset/1',
  titleStatus: 'clean',
  description: null,
  buyerPremiumPct: null,
  docFeeCents: null,
};
const rules = (l: Partial<ListingInput>) => validateListing({ ...good, ...l }, { now: NOW }).map((v) => v.rule);

describe('listing contract', () => {
  it('passes a clean listing', () => {
    expect(validateListing(good, { now: NOW })).toEqual([]);
  });

  it('names the broken rule for each kind of fault', () => {
    const v = good.vin!;
    const wrongDigit = v.slice(0, 8) + (v[8] === '0' ? '1' : '0') + v.slice(9);
    expect(rules({ vin: wrongDigit })).toEqual(['vin.check_digit']);
    expect(rules({ vin: makeVin('1FTEW1EP', 'J', '7') })).toEqual(['vin.model_year']);
    expect(rules({ zip: '90012' })).toEqual(['zip.state']);
    expect(rules({ auctionEndsAt: new Date(NOW - 2 * 86_400_000) })).toEqual(['auction_end.window']);
    expect(rules({ auctionEndsAt: new Date(NOW + 400 * 86_400_000) })).toEqual(['auction_end.window']);
    expect(rules({ currentBidCents: 30_000_000 })).toEqual(['current_bid.range']);
    expect(rules({ mileage: 1_500_000 })).toEqual(['mileage.range']);
    expect(rules({ year: 2028 })).toContain('year.range');
    expect(rules({ listingUrl: 'javascript:alert(1)' })).toEqual(['listing_url.format']);
    expect(rules({ latitude: 40 })).toEqual(['coordinates.range']);
  });

  it('keeps an auction that ended within the grace period', () => {
    expect(rules({ auctionEndsAt: new Date(NOW - 3_600_000) })).toEqual([]);
  });

  it('publishes its version and every rule it checks', () => {
    const doc = listingContractDocument();
    expect(doc.version).toBe(LISTING_CONTRACT_VERSION);
    const ids = doc.rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ['vin.check_digit', 'vin.model_year', 'zip.state', 'auction_end.window', 'current_bid.range'])
      expect(ids).toContain(id);
  });
});
