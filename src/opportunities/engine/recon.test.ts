import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadArbitrageParams } from '../../config/arbitrage.js';
import { computeRecon } from './recon.js';

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
});
