import { describe, expect, it } from 'vitest';
import { seededRandom } from '../common/random.js';
import { readCsvWindow, readTolerantWindow, readWellFormedWindow, type CsvCursor } from './csv-records.js';

// Pieces that make the cases the two parsers read differently or not at all: quotes opened and
// closed anywhere, doubled quotes, quotes followed by spaces or tabs, blank lines, empty fields.
const PIECES = ['a', 'b', ',', '"', '\n', ' ', '""', 'x,y', '\n\n', '\t', ' "', '" ', 'é'];
// Feed-like text: ordinary cells, now and then a quoted cell holding commas, quotes and a line end.
const FEED_PIECES = ['Ford', 'F-150 XL', ',', ',', ',', '"', '\n', '12.5', '"Runs, ""mostly""\nas is"', '\n\n', 'é'];

function randomText(pieces: string[], maxPieces: number, rnd: () => number): string {
  let text = '';
  const n = 1 + Math.floor(rnd() * maxPieces);
  for (let i = 0; i < n; i++) text += pieces[Math.floor(rnd() * pieces.length)];
  // Windows end on a record boundary, and the last one of a file may lack its line end.
  return rnd() < 0.7 && !text.endsWith('\n') ? `${text}\n` : text;
}

function both(text: string) {
  const tolerantAt: CsvCursor = { row: 3, line: 7 };
  const tolerant = readTolerantWindow(text, tolerantAt);
  const quick = readWellFormedWindow(text, { row: 3, line: 7 });
  return { tolerant, tolerantAt, quick };
}

describe('readCsvWindow — papaparse where it reads as csv-parse does', () => {
  it('reads every window papaparse takes exactly as csv-parse does, rows and lines included', () => {
    const rnd = seededRandom(2026);
    let taken = 0;
    let declined = 0;
    for (const [pieces, maxPieces, cases] of [
      [PIECES, 14, 15_000],
      [PIECES, 40, 5_000],
      [FEED_PIECES, 60, 5_000],
    ] as const) {
      for (let i = 0; i < cases; i++) {
        const text = randomText([...pieces], maxPieces, rnd);
        const { tolerant, tolerantAt, quick } = both(text);
        if (quick === null) {
          declined++;
          continue;
        }
        taken++;
        expect({ records: quick.records, at: quick.at }, JSON.stringify(text)).toEqual({ records: tolerant, at: tolerantAt });
      }
    }
    // Both readers must have been exercised, or the comparison proves nothing.
    expect(taken).toBeGreaterThan(5_000);
    expect(declined).toBeGreaterThan(5_000);
  });

  it('takes an ordinary feed window with quoted commas, quotes and line ends', () => {
    const lines = ['source,lot_id,description,bid'];
    for (let i = 0; i < 200; i++)
      lines.push(`GovDeals,L${i},"Runs, drives; ""as is""\nsecond line",${i}.50`, i % 50 === 0 ? '' : `PublicSurplus,P${i},plain,${i}`);
    const text = `${lines.join('\n')}\n`;
    const { tolerant, tolerantAt, quick } = both(text);
    expect(quick).not.toBeNull();
    expect(quick!.records).toEqual(tolerant);
    expect(quick!.at).toEqual(tolerantAt);
    expect(quick!.records[1]).toEqual({
      row: 5,
      line: 8,
      fields: ['GovDeals', 'L0', 'Runs, drives; "as is"\nsecond line', '0.50'],
      error: null,
    });
  });

  it('leaves to csv-parse a closing quote followed by spaces, and an unterminated quote', () => {
    // csv-parse keeps `"Ford" ` as written; papaparse would have read Ford.
    expect(readWellFormedWindow('a,"Ford" ,b\n', { row: 0, line: 1 })).toBeNull();
    expect(readCsvWindow('a,"Ford" ,b\n', { row: 0, line: 1 })).toEqual([{ row: 1, line: 1, fields: ['a', '"Ford" ', 'b'], error: null }]);
    const at = { row: 0, line: 1 };
    expect(readWellFormedWindow('h\n"broken,2019\nc\n', at)).toBeNull();
    expect(readCsvWindow('h\n"broken,2019\nc\n', at)).toEqual([
      { row: 1, line: 1, fields: ['h'], error: null },
      { row: 2, line: 2, fields: null, error: 'malformed CSV: unterminated quoted field' },
      { row: 3, line: 3, fields: ['c'], error: null },
    ]);
    expect(at).toEqual({ row: 3, line: 4 });
  });
});
