import { describe, it, expect } from 'vitest';
import { parseCompsFile } from './comps-file.js';
import { FeedFormatError } from './feed-rows.js';

const NOW = new Date('2026-06-15T12:00:00Z');

describe('parseCompsFile — dealer sales', () => {
  const content = [
    'VIN,Year,Make,Model,Sale Price,Sale Date,Mileage,Condition,Location,State',
    '1FM5K8AR2KGA12345,2019,Ford,Police Interceptor Utility,"$18,900.00",2026-03-02,"88,100",Good,"Fresno, CA",ca', // 2
    ',2020,Chevrolet,Tahoe,31500,4/7/2026,,,"Austin, TX",', // 3: state from Location
    '1GNSKBKC2LR123456,,Chevrolet,Tahoe,29900,2026-04-09,70000,,,', // 4: year from VIN
    ',2019,Ford,,18000,2026-03-02,,,,', // 5: missing model
    ',2019,Ford,F-150,abc,2026-03-02,,,,', // 6
    ',2019,Ford,F-150,18000,2026-13-02,,,,', // 7
    ',2019,Ford,F-150,18000,2026-07-01,,,,', // 8: future
    ',2019,Ford,F-150,0,2026-03-02,,,,', // 9
    ',2019,Ford,F-150,18000,2026-03-02,-5,,,', // 10
    ',2019,Ford,F-150,18000,2026-03-02,,,,ZZ', // 11
    ',2019,Ford,F-150', // 12
    '1FM5K8AR2KGA1234O,2019,Ford,F-150,18000,2026-03-02,,,,', // 13: an O in the VIN
  ].join('\n');
  const r = parseCompsFile(content, { now: NOW });

  it('detects the layout and accepts good rows as sale comps', () => {
    expect(r.kind).toBe('sale');
    expect(r.accepted.map((a) => a.row)).toEqual([2, 3, 4]);
    expect(r.accepted[0]!.comp).toEqual({
      kind: 'sale',
      make: 'Ford',
      model: 'Police Interceptor Utility',
      year: 2019,
      trim: null,
      mileage: 88100,
      priceCents: 1890000,
      saleDate: new Date('2026-03-02T00:00:00Z'),
      state: 'CA',
      vin: '1FM5K8AR2KGA12345',
    });
    expect(r.accepted[1]!.comp).toMatchObject({ state: 'TX', saleDate: new Date('2026-04-07T00:00:00Z'), vin: null, mileage: null });
    expect(r.accepted[2]!.comp).toMatchObject({ year: 2020 });
  });

  it('rejects bad rows with their reasons', () => {
    expect(r.rejected.map((x) => [x.row, x.reason])).toEqual([
      [5, 'missing required field(s): Model'],
      [6, 'Sale Price: "abc" is not a valid amount'],
      [7, 'Sale Date: "2026-13-02" is not an ISO-8601 date'],
      [8, 'Sale Date: 2026-07-01 is in the future'],
      [9, 'Sale Price: 0 is not a sale'],
      [10, 'Mileage: "-5" must not be negative'],
      [11, 'State: "ZZ" is not a US state, DC or territory code'],
      [12, 'wrong column count: 4 fields, header has 10'],
      [13, 'VIN: "1FM5K8AR2KGA1234O" contains characters not allowed in a VIN: "O"'],
    ]);
    expect(r.rejected[0]).toMatchObject({ lotId: null, source: null, raw: { Year: '2019', Make: 'Ford' } });
  });

  it('matches headers regardless of case and spacing', () => {
    const res = parseCompsFile('vin,YEAR,make,model,sale_price,SALE DATE\n,2018,Dodge,Charger,9000,2025-12-01\n', { now: NOW });
    expect(res.rejected).toEqual([]);
    expect(res.accepted[0]!.comp).toMatchObject({ kind: 'sale', priceCents: 900000 });
  });
});

describe('parseCompsFile — market prices', () => {
  it('reads market rows and checks low ≤ avg ≤ high', () => {
    const res = parseCompsFile(
      [
        'make,model,year,trim,avg,low,high,sample_size',
        'Ford,F-150,2019,XL,24500,21000,28000,37',
        'Ford,F-150,2019,,24500,26000,28000,37',
        'Ford,F-150,2019,,24500,21000,28000,0',
      ].join('\n'),
      { now: NOW },
    );
    expect(res.kind).toBe('market');
    expect(res.accepted).toEqual([
      {
        row: 2,
        comp: {
          kind: 'market',
          make: 'Ford',
          model: 'F-150',
          year: 2019,
          trim: 'XL',
          avgCents: 2450000,
          lowCents: 2100000,
          highCents: 2800000,
          sampleSize: 37,
        },
      },
    ]);
    expect(res.rejected.map((x) => [x.row, x.reason])).toEqual([
      [3, 'low/avg/high: 26000 ≤ 24500 ≤ 28000 does not hold'],
      [4, 'sample_size: 0 means no market data'],
    ]);
  });

  it('throws for files that are neither layout', () => {
    expect(() => parseCompsFile('a,b\n1,2\n', { now: NOW })).toThrow(FeedFormatError);
    expect(() => parseCompsFile('', { now: NOW })).toThrow(FeedFormatError);
    expect(() => parseCompsFile('VIN,Sale Price\n', { now: NOW })).toThrow(/Year, Make, Model, Sale Date/);
  });
});
