// Free-text readers shared by the adapters: vehicle titles, title brands and buyer's premiums.
import { describe, expect, it } from 'vitest';
import { titleBrandFromText } from './listing-builder.js';
import { buyerPremiumFromText } from '../value-parsers.js';
import { canonicalMake, parseVehicleTitle } from './vehicle-title.js';

describe('vehicle titles', () => {
  it.each([
    ['2014 FORD F150 4X4 PICKUP', { year: 2014, make: 'Ford', model: 'F-150', trim: '4X4 PICKUP' }],
    ['#2871 - 2012 Chevrolet Tahoe Police', { year: 2012, make: 'Chevrolet', model: 'Tahoe', trim: 'Police' }],
    ['2011 Ford Crown Victoria Police Interceptor', { year: 2011, make: 'Ford', model: 'Crown Victoria', trim: 'Police Interceptor' }],
    ['2019 LAND ROVER DISCOVERY', { year: 2019, make: 'Land Rover', model: 'Discovery', trim: null }],
    ['2016 Chevy Impala', { year: 2016, make: 'Chevrolet', model: 'Impala', trim: null }],
    ['2015 JEEP GRAND CHEROKEE LAREDO', { year: 2015, make: 'Jeep', model: 'Grand Cherokee', trim: 'LAREDO' }],
  ])('%s', (title, expected) => {
    expect(parseVehicleTitle(title)).toEqual(expected);
  });

  it('does not guess an unknown make', () => {
    expect(parseVehicleTitle('Generac 20kW Standby Generator')).toMatchObject({ make: null, model: null });
    expect(canonicalMake('Generac')).toBeNull();
    expect(canonicalMake('mercedes benz')).toBe('Mercedes-Benz');
  });
});

describe('terms and descriptions', () => {
  it.each([
    ['Buyers Premium of 10% will be added to the final bid, $1 minimum.', 10],
    ["A buyer's premium of 12.5 % applies.", 12.5],
    ['Buyer Premium: 5%', 5],
    ['No premium. Payment within 5 days; 10% deposit.', null],
    ['Buyers Premium of 75% (typo)', null],
  ])('premium in %j', (text, pct) => {
    expect(buyerPremiumFromText(text)).toBe(pct);
  });

  it('reads a stated title brand and nothing else', () => {
    expect(titleBrandFromText('Runs. Title: Salvage. Keys present.')).toMatch(/^salvage/i);
    expect(titleBrandFromText('Comes with a clean title')).toBe('clean');
    expect(titleBrandFromText('Runs and drives')).toBeNull();
  });
});
