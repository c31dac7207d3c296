import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import { parseCompsFile } from './comps-file.js';
import { detectFeedFormat, parseListingFeed } from './feed.js';
import { FeedFormatError } from './feed-rows.js';
import { normalizeTitleStatus } from './feed-columns.js';
import { normalizeSource } from '../common/source-names.js';
import { headerKey, readCsvRecords } from './csv-records.js';
import { parseIsoDate, parseMoneyCents } from './value-parsers.js';

const NOW = new Date('2026-06-15T12:00:00Z');
const HEADER =
  'source,lot_id,title,year,make,model,trim,vin,mileage,current_bid,auction_end,city,state,zip,listing_url,title_status,description,buyer_premium_pct,doc_fee';
const VIN = '1FM5K8AR2KGA12345';
const GOOD = `GovDeals,GD-1,2019 Ford Police Interceptor Utility AWD,2019,Ford,Police Interceptor Utility,AWD,${VIN},"87,412","$4,250.00",2026-07-01T18:00:00Z,Austin,tx,78701,https://www.govdeals.com/asset/1,Clean,Runs and drives,,`;

function csv(...rows: string[]): string {
  return [HEADER, ...rows].join('\n') + '\n';
}
function row(over: Partial<Record<string, string>>): string {
  const cols = HEADER.split(',');
  const base: Record<string, string> = {
    source: 'GovDeals',
    lot_id: 'L',
    title: 'T',
    year: '2019',
    make: 'Ford',
    model: 'F-150',
    trim: '',
    vin: '',
    mileage: '50000',
    current_bid: '5000',
    auction_end: '2026-07-01T18:00:00Z',
    city: 'Austin',
    state: 'TX',
    zip: '78701',
    listing_url: '',
    title_status: '',
    description: '',
    buyer_premium_pct: '',
    doc_fee: '',
    ...over,
  };
  return cols
    .map((c) => {
      const v = base[c] ?? '';
      return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
    })
    .join(',');
}

describe('parseListingFeed — mixed CSV', () => {
  const content = csv(
    GOOD, // row 2
    row({ lot_id: 'L3', make: '', year: '' }), // row 3: missing make and year
    row({ lot_id: 'L4', year: 'abc' }), // row 4
    row({ lot_id: 'L5', current_bid: '12,0x' }), // row 5
    row({ lot_id: 'L6', auction_end: 'next tuesday' }), // row 6
    row({ lot_id: 'L7', state: 'XX' }), // row 7
    row({ lot_id: 'L8', year: '2028' }), // row 8: after next year (2027)
    row({ lot_id: 'L9', year: '1899' }), // row 9
    row({ lot_id: 'L10', current_bid: '-500' }), // row 10
    row({ lot_id: 'L11', mileage: '-12' }), // row 11
    row({ lot_id: 'L12', buyer_premium_pct: '55' }), // row 12
    row({ lot_id: 'L13', doc_fee: '-$75' }), // row 13
    row({ source: 'Public Surplus', lot_id: 'PS-14', year: '2027', buyer_premium_pct: '10%', doc_fee: '50' }), // row 14
    'GovDeals,L15,too,few,columns', // row 15
    row({ source: 'gsa', lot_id: 'G16', state: 'pr', title_status: 'Salvage - flood damage', zip: '907' }), // row 16
  );
  const result = parseListingFeed(content, 'csv', { now: NOW });
  const reasons = Object.fromEntries(result.rejected.map((r) => [r.row, r.reason]));

  it('rejects exactly the bad rows, each with its reason', () => {
    expect(result.rejected.map((r) => r.row)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15]);
    expect(reasons[3]).toBe('missing required field(s): year, make');
    expect(reasons[4]).toBe('year: "abc" is not a valid year');
    expect(reasons[5]).toBe('current_bid: "12,0x" is not a valid amount');
    expect(reasons[6]).toBe('auction_end: "next tuesday" is not an ISO-8601 date');
    expect(reasons[7]).toBe('state: "XX" is not a US state, DC or territory code');
    expect(reasons[8]).toBe('year: 2028 is after next model year (2027)');
    expect(reasons[9]).toBe('year: 1899 is before 1900');
    expect(reasons[10]).toBe('current_bid: "-500" must not be negative');
    expect(reasons[11]).toBe('mileage: "-12" must not be negative');
    expect(reasons[12]).toBe('buyer_premium_pct: 55 is outside 0–50 %');
    expect(reasons[13]).toBe('doc_fee: "-$75" must not be negative');
    expect(reasons[15]).toBe('wrong column count: 5 fields, header has 19');
  });

  it('names the lot and source of a rejected row and keeps its raw values', () => {
    const r = result.rejected.find((x) => x.row === 4)!;
    expect(r).toMatchObject({ lotId: 'L4', source: 'govdeals', line: 4 });
    expect(r.raw.year).toBe('abc');
  });

  it('accepts every good row, normalised', () => {
    expect(result.accepted.map((a) => a.row)).toEqual([2, 14, 16]);
    expect(result.accepted[0]!.listing).toEqual({
      source: 'govdeals',
      lotId: 'GD-1',
      title: '2019 Ford Police Interceptor Utility AWD',
      year: 2019,
      make: 'Ford',
      model: 'Police Interceptor Utility',
      trim: 'AWD',
      vin: VIN,
      mileage: 87412,
      currentBidCents: 425000,
      auctionEndsAt: new Date('2026-07-01T18:00:00Z'),
      city: 'Austin',
      state: 'TX',
      zip: '78701',
      listingUrl: 'https://www.govdeals.com/asset/1',
      titleStatus: 'clean',
      description: 'Runs and drives',
      buyerPremiumPct: null,
      docFeeCents: null,
    });
    const ps = result.accepted[1]!.listing;
    expect(ps).toMatchObject({ source: 'publicsurplus', year: 2027, buyerPremiumPct: 10, docFeeCents: 5000 });
    const gsa = result.accepted[2]!.listing;
    expect(gsa).toMatchObject({ source: 'gsa', state: 'PR', titleStatus: 'flood', zip: '00907' });
  });
});

describe('parseListingFeed — derivation and normalisation', () => {
  it('fills VIN and mileage from the description, and a title from the vehicle', () => {
    const r = parseListingFeed(
      csv(
        row({
          lot_id: 'D1',
          title: '',
          make: '  Chevrolet ',
          model: 'Tahoe   PPV',
          trim: 'PPV',
          description: `Fleet unit. VIN: 1GNSKBKC2LR123456. Odometer: 123,456. Runs.`,
          mileage: '',
          vin: '',
        }),
      ),
      'csv',
      { now: NOW },
    );
    const a = r.accepted[0]!;
    expect(a.listing).toMatchObject({
      make: 'Chevrolet',
      model: 'Tahoe PPV',
      vin: '1GNSKBKC2LR123456',
      mileage: 123456,
      title: '2019 Chevrolet Tahoe PPV PPV',
    });
    expect(a.derived).toEqual(['vin', 'mileage', 'title']);
  });

  it('takes a buyer premium stated in the description when the column is empty, and the column over the text', () => {
    const text = '"Buyers Premium of 15% will be added to the final bid. $1 minimum."';
    const r = parseListingFeed(
      csv(row({ lot_id: 'P1', description: text }), row({ lot_id: 'P2', description: text, buyer_premium_pct: '12' })),
      'csv',
      {
        now: NOW,
      },
    );
    const [fromText, fromColumn] = r.accepted;
    expect(fromText?.listing.buyerPremiumPct).toBe(15);
    expect(fromText?.derived).toContain('buyerPremiumPct');
    expect(fromColumn?.listing.buyerPremiumPct).toBe(12);
    expect(fromColumn?.derived).not.toContain('buyerPremiumPct');
  });

  it('keeps a malformed VIN as given (upper-cased) instead of dropping it', () => {
    const r = parseListingFeed(csv(row({ vin: ' 1fm5k8ar0kga1234 ' })), 'csv', { now: NOW });
    expect(r.accepted[0]!.listing.vin).toBe('1FM5K8AR0KGA1234');
  });

  it('maps title brands and leaves unrecognised text as unknown', () => {
    expect(
      [
        '',
        'Clean',
        'CLEAR',
        'Rebuilt Salvage',
        'SALVAGE',
        'flood',
        'Lemon law buyback',
        'Bill of sale only',
        'Certificate of Destruction',
      ].map(normalizeTitleStatus),
    ).toEqual(['unknown', 'clean', 'clean', 'rebuilt', 'salvage', 'flood', 'lemon', 'unknown', 'salvage']);
  });

  it('normalises source names to keys', () => {
    expect(['GovDeals', 'Public Surplus', 'publicsurplus', 'GSA Auctions', 'gsa', 'Muni-Bid!', 'Copart'].map(normalizeSource)).toEqual([
      'govdeals',
      'publicsurplus',
      'publicsurplus',
      'gsa',
      'gsa',
      'munibid',
      'copart',
    ]);
  });

  it('lets a later row with the same source and lot win, and notes it', () => {
    const r = parseListingFeed(
      csv(
        row({ lot_id: 'DUP', current_bid: '1000' }),
        row({ lot_id: 'OTHER' }),
        row({ source: 'govdeals', lot_id: 'DUP', current_bid: '1500' }),
        row({ lot_id: 'DUP', current_bid: 'bogus' }),
      ),
      'csv',
      { now: NOW },
    );
    expect(r.accepted.map((a) => [a.row, a.listing.currentBidCents])).toEqual([
      [3, 500000],
      [4, 150000],
    ]);
    expect(r.superseded).toEqual([{ source: 'govdeals', lotId: 'DUP', row: 2, supersededBy: 4 }]);
    expect(r.rejected.map((x) => x.row)).toEqual([5]);
  });

  it('refuses an auction end with a time and no zone, and closes a date-only end at the end of that day where the lot is', () => {
    const r = parseListingFeed(
      csv(
        row({ lot_id: 'NOZONE', auction_end: '2026-07-01T14:24:00', state: 'FL', zip: '32202' }),
        row({ lot_id: 'DAY', auction_end: '2026-07-01', state: 'FL', zip: '32202' }),
        row({ lot_id: 'DAY-AZ', auction_end: '2026-07-01', state: 'AZ', zip: '85004' }),
        row({ lot_id: 'ZONED', auction_end: '2026-07-01T14:24:00-04:00', state: 'FL', zip: '32202' }),
      ),
      'csv',
      { now: NOW },
    );
    expect(r.rejected.map((x) => [x.lotId, x.reason])).toEqual([
      ['NOZONE', 'auction_end: "2026-07-01T14:24:00" has a time but no time zone; add Z or an offset such as -05:00'],
    ]);
    const byLot = new Map(r.accepted.map((a) => [a.listing.lotId, a]));
    // Jacksonville keeps Eastern Daylight Time in July (UTC−4); Phoenix stays on UTC−7.
    expect(byLot.get('DAY')!.listing.auctionEndsAt.toISOString()).toBe('2026-07-02T03:59:59.000Z');
    expect(byLot.get('DAY')!.assumed?.auctionEndsAt).toMatch(/end of that day \(23:59:59\) in America\/New_York/);
    expect(byLot.get('DAY-AZ')!.listing.auctionEndsAt.toISOString()).toBe('2026-07-02T06:59:59.000Z');
    expect(byLot.get('ZONED')!.listing.auctionEndsAt.toISOString()).toBe('2026-07-01T18:24:00.000Z');
    expect(byLot.get('ZONED')!.assumed).toBeUndefined();
  });

  it('reads every ISO 8601 form of an auction end: basic, week and ordinal dates, each closing where the lot is when it has no time', () => {
    const r = parseListingFeed(
      csv(
        row({ lot_id: 'BASIC', auction_end: '20260701T142400-0400', state: 'FL', zip: '32202' }),
        row({ lot_id: 'BASIC-NOZONE', auction_end: '20260701T142400', state: 'FL', zip: '32202' }),
        row({ lot_id: 'BASIC-DAY', auction_end: '20260701', state: 'FL', zip: '32202' }),
        // 1 July 2026 is the Wednesday of ISO week 27, and the 182nd day of the year.
        row({ lot_id: 'WEEK', auction_end: '2026-W27-3', state: 'FL', zip: '32202' }),
        row({ lot_id: 'WEEK-TIME', auction_end: '2026W273T18:24Z', state: 'FL', zip: '32202' }),
        row({ lot_id: 'ORDINAL', auction_end: '2026-182', state: 'FL', zip: '32202' }),
        row({ lot_id: 'NO-WEEK-53', auction_end: '2025-W53-1', state: 'FL', zip: '32202' }),
        row({ lot_id: 'NO-DAY-366', auction_end: '2026-366', state: 'FL', zip: '32202' }),
      ),
      'csv',
      { now: NOW },
    );
    expect(r.rejected.map((x) => [x.lotId, x.reason])).toEqual([
      ['BASIC-NOZONE', 'auction_end: "20260701T142400" has a time but no time zone; add Z or an offset such as -05:00'],
      ['NO-WEEK-53', 'auction_end: "2025-W53-1" is not an ISO-8601 date'],
      ['NO-DAY-366', 'auction_end: "2026-366" is not an ISO-8601 date'],
    ]);
    const ends = new Map(r.accepted.map((a) => [a.listing.lotId, a.listing.auctionEndsAt.toISOString()]));
    expect(Object.fromEntries(ends)).toEqual({
      BASIC: '2026-07-01T18:24:00.000Z',
      'BASIC-DAY': '2026-07-02T03:59:59.000Z',
      WEEK: '2026-07-02T03:59:59.000Z',
      'WEEK-TIME': '2026-07-01T18:24:00.000Z',
      ORDINAL: '2026-07-02T03:59:59.000Z',
    });
    for (const lot of ['BASIC-DAY', 'WEEK', 'ORDINAL'])
      expect(r.accepted.find((a) => a.listing.lotId === lot)!.assumed?.auctionEndsAt).toMatch(
        /end of that day \(23:59:59\) in America\/New_York/,
      );
  });

  it('parses money and dates exactly', () => {
    expect(['$12,345.67', '12345.67', '12345', '0.5', '$ 7'].map((s) => parseMoneyCents('bid', s))).toEqual(
      [1234567, 1234567, 1234500, 50, 700].map((value) => ({ ok: true, value })),
    );
    expect(parseMoneyCents('bid', '1,23').ok).toBe(false);
    // JSON numbers: whole cents, however binary fractions round; a fraction of a cent is refused as its text form is.
    expect([4250.1, 0.07, 12345.67, 19.99, 5000].map((n) => parseMoneyCents('bid', n))).toEqual(
      [425010, 7, 1234567, 1999, 500000].map((value) => ({ ok: true, value })),
    );
    for (const raw of [5000.999, '5000.999', 0.001]) expect(parseMoneyCents('bid', raw).ok, String(raw)).toBe(false);
    expect(parseMoneyCents('bid', 5000.999)).toEqual({ ok: false, problem: 'bid: 5000.999 has a fraction of a cent' });
    expect(parseIsoDate('d', '2026-07-01T10:00:00-05:00')).toEqual({ ok: true, value: new Date('2026-07-01T15:00:00Z') });
    expect(parseIsoDate('d', '2026-07-01')).toEqual({ ok: true, value: new Date('2026-07-01T00:00:00Z') });
    expect(parseIsoDate('d', '2026-02-30T00:00:00Z').ok).toBe(false);
    expect(parseIsoDate('d', '2026-07-01T25:00:00Z').ok).toBe(false);
    // Week 53 exists only in years that start on a Thursday (or a Wednesday in a leap year).
    expect(parseIsoDate('d', '2020-W53-1')).toEqual({ ok: true, value: new Date('2020-12-28T00:00:00Z') });
    expect(parseIsoDate('d', '2021-W53-1').ok).toBe(false);
    expect(parseIsoDate('d', '2026-W01-1')).toEqual({ ok: true, value: new Date('2025-12-29T00:00:00Z') });
    expect(parseIsoDate('d', '2024-366')).toEqual({ ok: true, value: new Date('2024-12-31T00:00:00Z') });
    expect(parseIsoDate('d', '20261205T150000.5Z')).toEqual({ ok: true, value: new Date('2026-12-05T15:00:00.500Z') });
    // US-style digits without separators are never read as a basic date: the month would be 20.
    expect(parseIsoDate('d', '12052026').ok).toBe(false);
    expect(parseIsoDate('d', '2026-12-05T10:00:00+14:00')).toEqual({ ok: true, value: new Date('2026-12-04T20:00:00Z') });
    expect(parseIsoDate('d', '2026-12-05T10:00:00-12:00')).toEqual({ ok: true, value: new Date('2026-12-05T22:00:00Z') });
    for (const offset of ['+14:30', '-12:30', '+15:00']) expect(parseIsoDate('d', `2026-12-05T10:00:00${offset}`).ok, offset).toBe(false);
  });
});

describe('parseListingFeed — CSV structure', () => {
  it('handles commas, quotes and newlines inside a quoted description', () => {
    const desc = 'Line one, with comma\nLine "two" here\nOdometer: 45,210';
    const content = csv(row({ lot_id: 'Q1', description: desc, mileage: '' }), row({ lot_id: 'Q2' }), row({ lot_id: 'Q3', year: 'x' }));
    const r = parseListingFeed(content, 'csv', { now: NOW });
    expect(r.accepted.map((a) => a.row)).toEqual([2, 3]);
    expect(r.accepted[0]!.listing.description).toBe(desc);
    expect(r.accepted[0]!.listing.mileage).toBe(45210);
    expect(r.rejected).toMatchObject([{ row: 4, line: 6, lotId: 'Q3' }]);
  });

  it('confines an unterminated quote to its own row', () => {
    const content = csv(row({ lot_id: 'A' }), 'GovDeals,B,"broken,2019,Ford', row({ lot_id: 'C' }));
    const r = parseListingFeed(content, 'csv', { now: NOW });
    expect(r.accepted.map((a) => a.listing.lotId)).toEqual(['A', 'C']);
    expect(r.rejected).toMatchObject([{ row: 3, reason: 'malformed CSV: unterminated quoted field' }]);
  });

  it('reads CRLF files with a BOM and header variants', () => {
    const content =
      '\uFEFF' +
      csv(row({ lot_id: 'W1' }))
        .replace('lot_id', 'Lot ID')
        .replace('current_bid', 'Current Bid')
        .replace(/\n/g, '\r\n');
    const r = parseListingFeed(content, 'csv', { now: NOW });
    expect(r.rejected).toEqual([]);
    expect(r.accepted[0]!.listing).toMatchObject({ lotId: 'W1', zip: '78701' });
  });

  it('refuses a header that gives one field twice, naming both columns', () => {
    const doubled = `source,lot_id,year,make,model,current_bid,auction_end,state,Current Bid\nGovDeals,DH-1,2015,Ford,F-150,5000,2027-06-01T00:00:00Z,TX,1\n`;
    expect(() => parseListingFeed(doubled, 'csv', { now: NOW })).toThrow(
      'feed header gives current_bid twice: "current_bid" (column 6) and "Current Bid" (column 9)',
    );
  });
  it('throws when the file is not a listing feed', () => {
    expect(() => parseListingFeed('', 'csv', { now: NOW })).toThrow(FeedFormatError);
    expect(() => parseListingFeed('VIN,Year,Make\n1,2,3\n', 'csv', { now: NOW })).toThrow(/lacks required column/);
  });

  it('numbers rows like a spreadsheet', () => {
    // The blank line is row 3 in a spreadsheet, so c is row 4 (line 5: the quoted cell spans two).
    expect(readCsvRecords('h\n"a\nb"\n\nc\n').map((r) => [r.row, r.line])).toEqual([
      [1, 1],
      [2, 2],
      [4, 5],
    ]);
    expect(readCsvRecords('h\nK1\n\n\nK2\n').map((r) => r.row)).toEqual([1, 2, 5]);
    // An all-blank ",," row is skipped but still counted, as a spreadsheet shows it.
    expect(readCsvRecords('h,i\n,\nc,d\n , \n').map((r) => [r.row, r.fields])).toEqual([
      [1, ['h', 'i']],
      [3, ['c', 'd']],
    ]);
  });
});

describe('parseListingFeed — JSON', () => {
  const good = {
    source: 'Copart',
    lot_id: 77,
    title: '2020 Dodge Charger Pursuit',
    year: 2020,
    make: 'Dodge',
    model: 'Charger',
    trim: 'Pursuit',
    vin: '2C3CDXAT2HH654321',
    mileage: 61000,
    current_bid: 3100.5,
    auction_end: '2026-07-03T20:00:00Z',
    city: 'Phoenix',
    state: 'AZ',
    zip: '85001',
    listing_url: null,
    title_status: 'rebuilt',
    description: null,
  };
  it('accepts an array of objects with 1-based rows', () => {
    const r = parseListingFeed(JSON.stringify([good, { ...good, lot_id: 78, year: 'abc' }, 42]), 'json', { now: NOW });
    expect(r.accepted).toHaveLength(1);
    expect(r.accepted[0]).toMatchObject({
      row: 1,
      listing: { source: 'copart', lotId: '77', currentBidCents: 310050, titleStatus: 'rebuilt' },
    });
    expect(r.rejected.map((x) => [x.row, x.reason])).toEqual([
      [2, 'year: "abc" is not a valid year'],
      [3, 'row is not a JSON object'],
    ]);
  });
  it('rejects non-text values by field', () => {
    const r = parseListingFeed(JSON.stringify([{ ...good, make: { $ne: 1 } }]), 'json', { now: NOW });
    expect(r.rejected[0]!.reason).toBe('make: {"$ne":1} is not a text or number value');
  });
  it('rejects a row that gives one field under two keys, naming both', () => {
    const r = parseListingFeed(JSON.stringify([{ ...good, 'Lot ID': 'other' }, good]), 'json', { now: NOW });
    expect(r.rejected.map((x) => [x.row, x.reason])).toEqual([[1, 'keys "lot_id" and "Lot ID" both give lot_id']]);
    expect(r.accepted.map((a) => a.row)).toEqual([2]);
  });
  it('throws on anything but an array', () => {
    expect(() => parseListingFeed('{"listings":[]}', 'json', { now: NOW })).toThrow(FeedFormatError);
    expect(() => parseListingFeed('[{"a":', 'json', { now: NOW })).toThrow(/not valid JSON/);
    expect(parseListingFeed(Buffer.from('[]'), 'json', { now: NOW }).accepted).toEqual([]);
  });
  it('detects the format from the name, then the content', () => {
    expect(detectFeedFormat('run.json', '')).toBe('json');
    expect(detectFeedFormat('run.CSV', '[')).toBe('csv');
    expect(detectFeedFormat('upload', '  [{"a":1}]')).toBe('json');
    expect(detectFeedFormat('upload', HEADER)).toBe('csv');
  });
});

describe('parseListingFeed — cells by header key', () => {
  // Provenance asks each row for its cells one header key at a time (AcceptedListing.cell); the
  // answer must be the cell cells() holds for that key, the last one when two columns share it.
  const lastCellOf = (cells: Array<{ column: string }>, key: string) => cells.filter((c) => headerKey(c.column) === key).at(-1);

  it('answers a CSV row with the cell cells() has for that key, the later of two columns sharing a key, and none for an unknown key', () => {
    const header = `${HEADER},Notes,NOTES`;
    const text = [header, `${row({ lot_id: 'A', vin: VIN, description: 'clean' })},first,second`, row({ lot_id: 'B' })].join('\n');
    const { accepted } = parseListingFeed(`${text}\n`, 'csv', { now: NOW });
    expect(accepted).toHaveLength(1);
    const a = accepted[0]!;
    const keys = [...new Set(a.cells().map((c) => headerKey(c.column)))];
    expect(keys).toContain('notes');
    for (const key of keys) expect(a.cell(key)).toEqual(lastCellOf(a.cells(), key));
    expect(a.cell('notes')).toEqual({ column: 'NOTES', locator: 'csv:row=2;column=NOTES', value: 'second' });
    expect(a.cell('vin')).toEqual({ column: 'vin', locator: 'csv:row=2;column=vin', value: VIN });
    expect(a.cell('nosuchcolumn')).toBeUndefined();
  });

  it('answers a JSON row by the key as written, as a JSON Pointer', () => {
    const item = {
      source: 'Copart',
      lot_id: 7,
      year: 2020,
      make: 'Dodge',
      model: 'Charger',
      current_bid: 100,
      auction_end: '2026-07-03T20:00:00Z',
      state: 'AZ',
      'Seller/Notes': 'x~y',
    };
    const { accepted } = parseListingFeed(JSON.stringify([item]), 'json', { now: NOW });
    const a = accepted[0]!;
    for (const c of a.cells()) expect(a.cell(headerKey(c.column))).toEqual(lastCellOf(a.cells(), headerKey(c.column)));
    expect(a.cell('sellernotes')).toEqual({ column: 'Seller/Notes', locator: '/0/Seller~1Notes', value: 'x~y' });
    expect(a.cell('vin')).toBeUndefined();
  });
});

describe('parseListingFeed — hostile input', () => {
  it('keeps SQL and markup fragments as plain text', () => {
    const sql = "Robert'); DROP TABLE listings;--";
    const r = parseListingFeed(csv(row({ lot_id: sql, model: `<script>alert(1)</script>`, description: "' OR 1=1 --" })), 'csv', {
      now: NOW,
    });
    expect(r.accepted[0]!.listing).toMatchObject({ lotId: sql, model: '<script>alert(1)</script>', description: "' OR 1=1 --" });
  });
  it('rejects over-long fields, control characters in identifiers and non-web URLs; free text passes on to be cleaned', () => {
    const r = parseListingFeed(
      csv(
        row({ lot_id: 'X1', make: 'F'.repeat(201) }),
        row({ lot_id: 'X2', description: 'd'.repeat(10_001) }),
        row({ lot_id: 'X3', description: 'd'.repeat(10_000) }),
        row({ lot_id: 'X4', model: 'F-150\u0000' }),
        row({ lot_id: 'X5', listing_url: 'javascript:alert(1)' }),
        row({ lot_id: 'X6', zip: 'ABCDE' }),
        row({ lot_id: 'X7', state: 'T\u0007X' }),
      ),
      'csv',
      { now: NOW },
    );
    // The pipeline strips the model's NUL and flags the listing (quality/text-hygiene.ts).
    expect(r.accepted.map((a) => a.listing.lotId)).toEqual(['X3', 'X4']);
    expect(r.rejected.map((x) => x.reason)).toEqual([
      'make: 201 characters exceeds the 200 limit',
      'description: 10001 characters exceeds the 10000 limit',
      'listing_url: "javascript:alert(1)" is not an http(s) URL',
      'zip: "ABCDE" is not a US ZIP code',
      'state: contains control characters',
    ]);
  });
});

describe('bundled sample data', () => {
  // Fixed clock just before the sample auctions end, like a first start would see it.
  const now = new Date('2026-11-26T00:00:00Z');
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'data', 'sample');

  it('the listing feed parses with zero rejects and enough variety', () => {
    const r = parseListingFeed(readFileSync(join(dir, 'listings.csv')), 'csv', { now });
    expect(r.rejected).toEqual([]);
    expect(r.superseded).toEqual([]);
    expect(r.accepted.length).toBeGreaterThanOrEqual(2000);
    expect(new Set(r.accepted.map((a) => a.listing.source)).size).toBeGreaterThanOrEqual(4);
    expect(new Set(r.accepted.map((a) => `${a.listing.make}|${a.listing.model}`)).size).toBeGreaterThanOrEqual(50);
    expect(r.accepted.some((a) => a.derived.includes('vin'))).toBe(true);
    expect(r.accepted.some((a) => a.derived.includes('mileage'))).toBe(true);
  });

  it('the comps files parse with zero rejects', () => {
    const sales = parseCompsFile(readFileSync(join(dir, 'comps.csv')), { now });
    const market = parseCompsFile(readFileSync(join(dir, 'market-prices.csv')), { now });
    expect([sales.kind, market.kind]).toEqual(['sale', 'market']);
    expect(sales.rejected).toEqual([]);
    expect(market.rejected).toEqual([]);
    expect(sales.accepted.length).toBeGreaterThanOrEqual(3000);
    expect(market.accepted.length).toBeGreaterThan(0);
  });
});
