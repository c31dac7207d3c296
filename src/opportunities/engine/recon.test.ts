import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadArbitrageParams } from '../../config/index.js';
import { computeRecon, isFleetUnit } from './recon.js';

const params = loadArbitrageParams(fileURLToPath(new URL('../../../config/arbitrage.json', import.meta.url)));

describe('recon reserve', () => {
  it('a civilian unit gets the $650 base', () => {
    expect(computeRecon({ title: '2019 Honda Civic LX', description: 'Clean, one owner' }, params)).toEqual({
      cents: 65_000,
      fleet: false,
    });
  });
  it('police in the title: $650 + $300 = $950', () => {
    expect(computeRecon({ title: '2015 Ford Crown Victoria POLICE Interceptor', description: null }, params).cents).toBe(95_000);
  });
  it('ex-government / fleet in the description: $950', () => {
    expect(computeRecon({ title: '2018 Ford F-150', description: 'Ex-government fleet truck.' }, params).cents).toBe(95_000);
  });
  it('whole words only: "Fleetwood" is not a fleet unit → $650', () => {
    expect(computeRecon({ title: '1994 Cadillac Fleetwood', description: null }, params).cents).toBe(65_000);
  });
  it('a word that only starts with one keyword still lets a later keyword match', () => {
    const own = { ...params, recon: { ...params.recon, fleetKeywords: ['police', 'fleet'] } };
    expect(isFleetUnit({ title: '2016 Ford Explorer', description: 'Policeman-owned, then a fleet car' }, own)).toBe(true);
    expect(isFleetUnit({ title: '2016 Ford Explorer', description: 'Policeman-owned, Fleetwood trim' }, own)).toBe(false);
  });
  it('an edited keyword list applies to the next appraisal, and an empty one marks nothing', () => {
    const listing = { title: '2017 Chevrolet Tahoe PPV', description: null };
    const withPpv = { ...params, recon: { ...params.recon, fleetKeywords: ['ppv'] } };
    const without = { ...params, recon: { ...params.recon, fleetKeywords: ['taxi'] } };
    expect(isFleetUnit(listing, withPpv)).toBe(true);
    expect(isFleetUnit(listing, without)).toBe(false);
    expect(isFleetUnit(listing, { ...params, recon: { ...params.recon, fleetKeywords: [] } })).toBe(false);
    expect(isFleetUnit(listing, withPpv)).toBe(true);
  });
});

describe('ex-government units', () => {
  const civilian = { title: '2019 Ford F-150 XLT', description: 'One owner.' };
  it.each([
    'Department of Agriculture, Forest Service',
    'DEPT OF VETERANS AFFAIRS',
    'City of Austin, TX',
    'Travis County',
    'Metro Transit Authority',
    'U.S. Army Corps of Engineers',
    'GENERAL SERVICES ADMIN',
    'Austin ISD',
  ])('a public seller (%s) adds the $300', (sellerName) => {
    expect(computeRecon({ ...civilian, sellerName }, params)).toEqual({ cents: 95_000, fleet: true });
  });
  it.each(['Smith Auto Sales LLC', 'Acme Leasing', null, undefined])('a private or unknown seller (%s) does not', (sellerName) => {
    expect(computeRecon({ ...civilian, sellerName }, params)).toEqual({ cents: 65_000, fleet: false });
  });
  it.each([
    'Department of Transportation unit, runs well.',
    'Agency-owned since new.',
    'County-owned pickup.',
    'State owned vehicle',
    'Title: SF-97',
  ])('ex-government words in the text add the $300: %s', (description) => {
    expect(computeRecon({ title: '2017 Chevrolet Silverado', description }, params).cents).toBe(95_000);
  });
});
