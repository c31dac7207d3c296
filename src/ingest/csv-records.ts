// The fault-tolerant CSV reader under the listing-feed and comps-file readers: malformed records
// become rejects with their row and line instead of ending the read.
//
// Two parsers, one reading. papaparse reads well-formed text about six times faster than
// csv-parse (33 against 200 ms for the benchmark's 20,000-row feed, which an import reads
// twice), but it is lenient where csv-parse is strict or reads differently: it unquotes a field
// whose closing quote is followed by spaces, and it lets an unterminated quote run to the end of
// the text. So a window goes to papaparse only when it holds no closing quote followed by spaces,
// and papaparse's reading is kept only when it reports no error; anything else is read by
// csv-parse as before. Where papaparse's reading is kept it is csv-parse's, record for record,
// row and line numbers included (csv-records.test.ts compares the two on random text).
import { lazyRequire } from '../common/lazy-require.js';

// Loaded by the first CSV read: a serving replica that never imports one does without them.
const csv = lazyRequire<typeof import('csv-parse/sync')>('csv-parse/sync');
const papa = lazyRequire<typeof import('papaparse')>('papaparse');

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
  const quick = readWellFormedWindow(text, at);
  if (quick) {
    at.row = quick.at.row;
    at.line = quick.at.line;
    return quick.records;
  }
  return readTolerantWindow(text, at);
}

// A closing quote followed by spaces or tabs, then a comma, a line end or the end: csv-parse reads
// `"Ford" ,` as the literal text `"Ford" `, papaparse as `Ford`. Inside a quoted field the same
// characters only send the window to csv-parse, which reads it right either way.
const SPACED_CLOSING_QUOTE = /"[ \t]+(?:,|\n|$)/;

// Spreadsheets export trailing ",,,," rows; they hold nothing to accept or reject.
const blankRecord = (fields: readonly string[]): boolean => fields.every((f) => f.trim() === '');

/**
 * papaparse's reading of a window, or null when csv-parse must read it (see the top of the file).
 * `at` is left alone; the cursor it would move to is returned with the records.
 */
export function readWellFormedWindow(text: string, at: CsvCursor): { records: CsvRecord[]; at: CsvCursor } | null {
  if (SPACED_CLOSING_QUOTE.test(text)) return null;
  // A fresh options object each call: papaparse writes its own settings into the one it is given.
  const parsed = papa().parse<string[]>(text, { delimiter: ',', newline: '\n', quoteChar: '"', escapeChar: '"', skipEmptyLines: false });
  if (parsed.errors.length > 0) return null;
  const records: CsvRecord[] = [];
  const endsWithNewline = text.endsWith('\n');
  // papaparse reads the empty text after a final line end as one more (empty) record.
  const count = endsWithNewline ? parsed.data.length - 1 : parsed.data.length;
  let { row, line } = at;
  for (let i = 0; i < count; i++) {
    const fields = parsed.data[i]!;
    // A blank line reads as one empty field: a row, as a spreadsheet shows it, and nothing more.
    row += 1;
    // Line ends inside a record are those of its quoted fields.
    let spanned = 0;
    for (const f of fields) for (let k = f.indexOf('\n'); k >= 0; k = f.indexOf('\n', k + 1)) spanned++;
    if (!blankRecord(fields)) records.push({ row, line, fields, error: null });
    line += spanned + (i < count - 1 || endsWithNewline ? 1 : 0);
  }
  return { records, at: { row, line } };
}

/** csv-parse's reading of a window: malformed records become rejects and the read goes on. */
export function readTolerantWindow(text: string, at: CsvCursor): CsvRecord[] {
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
      if (!blankRecord(r.record)) out.push({ row: at.row, line: at.line + leading, fields: r.record, error: null });
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
