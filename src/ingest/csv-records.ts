// The fault-tolerant CSV reader under the listing-feed and comps-file readers: malformed records
// become rejects with their row and line instead of ending the read.
import { lazyRequire } from '../common/lazy-require.js';

// Loaded by the first CSV read: a serving replica that never imports one does without it.
const csv = lazyRequire<typeof import('csv-parse/sync')>('csv-parse/sync');

// Provenance asks for the key of every cell of every row, and a file has a few dozen headers.
const headerKeys = new Map<string, string>();

/** "Sale Price", "sale_price", "SALE-PRICE" → "saleprice". */
export function headerKey(h: string): string {
  let key = headerKeys.get(h);
  if (key === undefined) {
    key = h
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '');
    // JSON feeds name their own keys, so the memo is bounded rather than trusted to stay small.
    if (headerKeys.size >= 1024) headerKeys.clear();
    headerKeys.set(h, key);
  }
  return key;
}
export interface CsvRecord {
  /** Record ordinal with the header as row 1, as a spreadsheet numbers the rows. */
  row: number;
  /** Physical line where the record starts (differs from row after quoted newlines). */
  line: number;
  fields: string[] | null;
  error: string | null;
}

/** Where a windowed CSV read stands: the next record's row and physical line. */
export interface CsvCursor {
  row: number;
  line: number;
}

/**
 * Reads CSV into records, surviving malformed input: an unterminated quote would otherwise
 * swallow the rest of the file, so the line where it opens becomes one bad record and
 * reading resumes on the next line.
 */
export function readCsvRecords(content: string | Buffer): CsvRecord[] {
  let text = typeof content === 'string' ? content : content.toString('utf8');
  text = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  return readCsvWindow(text, { row: 0, line: 1 });
}

/**
 * The records of one stretch of normalised CSV text (BOM gone, line ends `\n`) that ends on a
 * record boundary; `at` carries the row and line numbering from one stretch to the next, so a
 * file read in windows numbers its rows as a file read whole.
 */
export function readCsvWindow(text: string, at: CsvCursor): CsvRecord[] {
  const out: CsvRecord[] = [];
  let rest = text;
  while (rest.length > 0) {
    // A skipped record shows up as text left over after the last raw record.
    const records = csv().parse(rest, {
      relax_column_count: true,
      relax_quotes: true,
      raw: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
    }) as Array<{ record: string[]; raw: string }>;
    let consumed = 0;
    for (const r of records) {
      if (rest.slice(consumed, consumed + r.raw.length) !== r.raw) break;
      const leading = /^\n*/.exec(r.raw)![0].length;
      // Blank lines are rows as a spreadsheet shows them: a reject names the row the dealer sees.
      at.row += 1 + leading;
      // Spreadsheets export trailing ",,,," rows; they hold nothing to accept or reject.
      if (!r.record.every((f) => f.trim() === '')) out.push({ row: at.row, line: at.line + leading, fields: r.record, error: null });
      at.line += (r.raw.match(/\n/g) ?? []).length;
      consumed += r.raw.length;
    }
    rest = rest.slice(consumed);
    if (rest.trim() === '') {
      // Blank lines closing a window still count for the lines (and rows) of the next one.
      const blanks = (rest.match(/\n/g) ?? []).length;
      at.line += blanks;
      at.row += blanks;
      break;
    }
    const blank = /^\n*/.exec(rest)![0].length;
    at.line += blank;
    at.row += blank;
    const nl = rest.indexOf('\n', blank);
    at.row += 1;
    out.push({ row: at.row, line: at.line, fields: null, error: 'malformed CSV: unterminated quoted field' });
    if (nl < 0) break;
    rest = rest.slice(nl + 1);
    at.line += 1;
  }
  return out;
}
