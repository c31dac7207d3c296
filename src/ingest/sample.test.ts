import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { SAMPLE_REFERENCE_MS, sampleDir, sampleShiftDays, shiftCompsFile, shiftListingFeed } from './sample.js';

const DAY = 86_400_000;
const listingsCsv = readFileSync(join(sampleDir(), 'listings.csv'), 'utf8');
const compsCsv = readFileSync(join(sampleDir(), 'comps.csv'), 'utf8');
const rows = (csv: string) => parse(csv, { columns: true }) as Array<Record<string, string>>;

describe('bundled sample dates', () => {
  it('are left alone before the sample month, and moved by whole days after it', () => {
    expect(sampleShiftDays(SAMPLE_REFERENCE_MS - DAY)).toBe(0);
    expect(sampleShiftDays(SAMPLE_REFERENCE_MS)).toBe(0);
    expect(sampleShiftDays(SAMPLE_REFERENCE_MS + 1)).toBe(1);
    expect(sampleShiftDays(SAMPLE_REFERENCE_MS + 40 * DAY + 5)).toBe(41);
  });

  it('leave no auction ended at import time, whatever the day, and change nothing but dates', () => {
    for (const now of [SAMPLE_REFERENCE_MS + 23 * 3_600_000, SAMPLE_REFERENCE_MS + 45 * DAY + 7_000, SAMPLE_REFERENCE_MS + 800 * DAY]) {
      const before = rows(listingsCsv);
      const after = rows(shiftListingFeed(listingsCsv, sampleShiftDays(now)));
      expect(after).toHaveLength(before.length);
      expect(Math.min(...after.map((r) => Date.parse(r.auction_end!)))).toBeGreaterThan(now);
      after.forEach((r, i) => {
        expect({ ...r, auction_end: '' }).toEqual({ ...before[i], auction_end: '' });
        expect(Date.parse(r.auction_end!) - Date.parse(before[i]!.auction_end!)).toBe(sampleShiftDays(now) * DAY);
      });
    }
  });

  it('move every dealer sale by the same days as the auctions', () => {
    const before = rows(compsCsv);
    const after = rows(shiftCompsFile(compsCsv, 30));
    expect(after).toHaveLength(before.length);
    after.forEach((r, i) => {
      expect(Date.parse(r['Sale Date']!) - Date.parse(before[i]!['Sale Date']!)).toBe(30 * DAY);
      expect({ ...r, 'Sale Date': '' }).toEqual({ ...before[i], 'Sale Date': '' });
    });
  });
});
