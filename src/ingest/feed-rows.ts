// A feed's rows before they are read as listings: a CSV record or a JSON item, with the values of
// the columns the feed reader knows, the cells as written (for provenance and rejects) and any
// fault in the row's own structure. Also the error for a file that is not a feed at all.
import { COLUMN_BY_KEY, REQUIRED, type FeedColumn } from './feed-columns.js';
import { headerKey, readCsvRecords, type CsvRecord } from './csv-records.js';
import { repeatedRowKeys } from './json-repeated-keys.js';
import { utf8Problem } from './utf8-check.js';

/** A file that cannot be read as a feed at all (no header, not JSON); the comps reader throws it too. */
export class FeedFormatError extends Error {
  override name = 'FeedFormatError';
}

/** One cell of a feed row: its column as the file names it, where it sits, and its raw value. */
export interface FeedCell {
  column: string;
  /** `csv:row=R;column=NAME`, or a JSON Pointer (`/0/vin`). */
  locator: string;
  value: unknown;
}

export interface RawRow {
  row: number;
  line?: number;
  /** The row as written, by column name (what a reject keeps); built only for a rejected row. */
  raw: () => Record<string, unknown>;
  values: Map<FeedColumn, unknown>;
  cells: () => FeedCell[];
  /**
   * The cell of the column whose header key (`headerKey`) is `key`, the last such when several
   * are; what `cells()` holds for it, built alone. Provenance asks for a few dozen columns of
   * every row, and building every cell and a map of them per row was most of its cost.
   */
  cell: (key: string) => FeedCell | undefined;
  structural: string | null;
}

const pointerToken = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');

/** The columns of a CSV feed, from its header record; throws FeedFormatError when it cannot be read. */
export interface CsvHeader {
  names: string[];
  columns: Array<FeedColumn | null>;
  /** Each header key's column index, the last column when several share a key. */
  indexOfKey: Map<string, number>;
}

export function csvHeader(header: CsvRecord | undefined): CsvHeader {
  if (!header?.fields) throw new FeedFormatError('feed is empty or its header row is malformed');
  const names = header.fields.map((h) => h.trim());
  const columns = names.map((h) => COLUMN_BY_KEY.get(headerKey(h)) ?? null);
  // Two headers for one field would leave the row's value to whichever came last, silently.
  const seen = new Map<FeedColumn, number>();
  columns.forEach((c, i) => {
    if (c === null) return;
    const first = seen.get(c);
    if (first !== undefined)
      throw new FeedFormatError(
        `feed header gives ${c} twice: "${names[first]}" (column ${first + 1}) and "${names[i]}" (column ${i + 1})`,
      );
    seen.set(c, i);
  });
  const missing = REQUIRED.filter((c) => !columns.includes(c));
  if (missing.length > 0) throw new FeedFormatError(`feed header lacks required column(s): ${missing.join(', ')}`);
  const indexOfKey = new Map<string, number>();
  names.forEach((h, i) => indexOfKey.set(headerKey(h), i));
  return { names, columns, indexOfKey };
}

export function csvRow({ names, columns, indexOfKey }: CsvHeader, rec: CsvRecord): RawRow {
  const values = new Map<FeedColumn, unknown>();
  const fields = rec.fields ?? [];
  const n = Math.min(fields.length, names.length);
  for (let i = 0; i < n; i++) {
    const col = columns[i];
    if (col) values.set(col, fields[i]);
  }
  const raw = () => {
    const out: Record<string, unknown> = {};
    fields.forEach((v, i) => {
      if (i < names.length) out[names[i]!] = v;
      else ((out._extra ??= []) as unknown[]).push(v);
    });
    return out;
  };
  const structural =
    rec.error ?? (fields.length !== names.length ? `wrong column count: ${fields.length} fields, header has ${names.length}` : null);
  const row = rec.row;
  const cellAt = (i: number): FeedCell => ({ column: names[i]!, locator: `csv:row=${row};column=${names[i]!}`, value: fields[i] });
  const cells = () => names.map((_, i) => cellAt(i));
  const cell = (key: string) => {
    const i = indexOfKey.get(key);
    return i === undefined ? undefined : cellAt(i);
  };
  return { row, line: rec.line, raw, values, cells, cell, structural };
}

/** Throws FeedFormatError when feed bytes are not UTF-8 (a string was decoded by its reader already). */
function requireUtf8(content: string | Buffer): void {
  const problem = typeof content === 'string' ? null : utf8Problem(content);
  if (problem !== null) throw new FeedFormatError(problem);
}

export function csvRows(content: string | Buffer): RawRow[] {
  requireUtf8(content);
  const records = readCsvRecords(content);
  const header = csvHeader(records[0]);
  return records.slice(1).map((rec) => csvRow(header, rec));
}

/** The items of a JSON feed; throws FeedFormatError when the file is not a JSON array. */
export function jsonItems(content: string | Buffer): unknown[] {
  requireUtf8(content);
  const text = (typeof content === 'string' ? content : content.toString('utf8')).replace(/^\uFEFF/, '');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new FeedFormatError(`feed is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(data)) throw new FeedFormatError('JSON feed must be an array of listing objects');
  for (const [index, key] of repeatedRowKeys(text)) {
    const item: unknown = data[index];
    if (item !== null && typeof item === 'object') REPEATED_KEY.set(item, key);
  }
  return data as unknown[];
}

// The key each parsed row object gave twice (json-repeated-keys.ts), for jsonRow to reject it.
const REPEATED_KEY = new WeakMap<object, string>();

/** Item `i` (0-based) of a JSON feed as a row. */
export function jsonRow(item: unknown, i: number): RawRow {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    return {
      row: i + 1,
      raw: () => ({ value: item }),
      values: new Map(),
      cells: () => [],
      cell: () => undefined,
      structural: 'row is not a JSON object',
    };
  }
  const raw = item as Record<string, unknown>;
  const values = new Map<FeedColumn, unknown>();
  const keyOf = new Map<FeedColumn, string>();
  const repeated = REPEATED_KEY.get(item);
  let structural: string | null =
    repeated === undefined ? null : `key ${JSON.stringify(repeated)} appears twice in the object: one of its values would be dropped`;
  for (const [k, v] of Object.entries(raw)) {
    const col = COLUMN_BY_KEY.get(headerKey(k));
    if (!col) continue;
    const earlier = keyOf.get(col);
    if (earlier !== undefined) structural ??= `keys "${earlier}" and "${k}" both give ${col}`;
    keyOf.set(col, k);
    values.set(col, v);
  }
  const cellOf = (k: string): FeedCell => ({ column: k, locator: `/${i}/${pointerToken(k)}`, value: raw[k] });
  const cells = () => Object.keys(raw).map(cellOf);
  let keyNamed: Map<string, string> | undefined;
  const cell = (key: string) => {
    if (keyNamed === undefined) {
      keyNamed = new Map();
      for (const k of Object.keys(raw)) keyNamed.set(headerKey(k), k);
    }
    const k = keyNamed.get(key);
    return k === undefined ? undefined : cellOf(k);
  };
  return { row: i + 1, raw: () => raw, values, cells, cell, structural };
}
