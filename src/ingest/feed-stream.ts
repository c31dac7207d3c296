// A listing feed read as a stream: rows come out one at a time, read from the file in windows
// that end on a CSV record boundary, so a file of any size costs one window of text in memory.
// Row numbers, line numbers, cells and reject reasons are those of the whole-file reader in
// feed.ts (the same functions read each window), and the file's SHA-256 is taken on the way.
import { createHash, type Hash } from 'node:crypto';
import { constants, createReadStream, statSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { readFeedRow, type AcceptedListing, type FeedFormat, type RejectedRow } from './feed.js';
import { csvHeader, csvRow, FeedFormatError, jsonItems, jsonRow, type CsvHeader } from './feed-rows.js';
import { readCsvWindow, type CsvCursor } from './csv-records.js';
import { Utf8Stream } from './utf8-check.js';
import { BoundaryScanner } from './csv-boundaries.js';

/** A feed on disk (streamed) or already in memory (an upload). */
export type FeedSource = { path: string } | { bytes: Buffer | string };

/** About this much CSV text is parsed at a time. */
export const CSV_WINDOW_CHARS = 256 * 1024;
const CHUNK_BYTES = 64 * 1024;

async function* byteChunks(source: FeedSource, chunkBytes: number): AsyncGenerator<Buffer> {
  if ('bytes' in source) {
    // Windowed like a file, so an upload's rows are not all parsed into memory at once either.
    const bytes = typeof source.bytes === 'string' ? Buffer.from(source.bytes, 'utf8') : source.bytes;
    for (let i = 0; i < bytes.length; i += chunkBytes) yield bytes.subarray(i, i + chunkBytes);
    return;
  }
  for await (const chunk of createReadStream(source.path, { highWaterMark: chunkBytes })) yield chunk as Buffer;
}

/** Normalised CSV text in windows that each end on a record boundary (the last one may not). */
async function* csvWindows(source: FeedSource, hash: Hash, windowChars: number, consumed: { bytes: number }): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  const utf8 = new Utf8Stream();
  const scanner = new BoundaryScanner();
  let pending = '';
  let scanned = 0;
  let boundary = -1;
  let first = true;
  let heldCr = false;
  for await (const bytes of byteChunks(source, Math.min(CHUNK_BYTES, windowChars))) {
    hash.update(bytes);
    consumed.bytes += bytes.length;
    const problem = utf8.push(bytes);
    if (problem !== null) throw new FeedFormatError(problem);
    let text = decoder.write(bytes);
    if (first && text.length > 0) {
      text = text.replace(/^\uFEFF/, '');
      first = false;
    }
    if (heldCr) text = `\r${text}`;
    heldCr = text.endsWith('\r');
    if (heldCr) text = text.slice(0, -1);
    pending += text.replace(/\r\n?/g, '\n');
    const b = scanner.scan(pending, scanned);
    if (b >= 0) boundary = b;
    scanned = pending.length;
    if (boundary >= windowChars) {
      yield pending.slice(0, boundary);
      pending = pending.slice(boundary);
      scanned -= boundary;
      boundary = -1;
    }
  }
  const problem = utf8.end();
  if (problem !== null) throw new FeedFormatError(problem);
  pending += decoder.end() + (heldCr ? '\n' : '');
  if (first) pending = pending.replace(/^\uFEFF/, '');
  if (pending.length > 0) yield pending;
}

export type FeedItem = { accepted: AcceptedListing } | { rejected: RejectedRow };

export interface FeedStream {
  items: AsyncGenerator<FeedItem>;
  /** `sha256:<hex>` of the bytes; known once `items` has been read to its end. */
  hash(): string;
  /** Bytes of the source read so far (a JSON feed is read whole before its first row). */
  bytesRead(): number;
}

const byteLength = (bytes: Buffer | string): number => (typeof bytes === 'string' ? Buffer.byteLength(bytes, 'utf8') : bytes.length);

/** The size of a feed in bytes, for progress against `bytesRead`. */
export function feedSize(source: FeedSource): number {
  return 'path' in source ? statSync(source.path).size : byteLength(source.bytes);
}

/**
 * Reads a feed row by row. A FeedFormatError (no header, not JSON) is thrown from the first
 * `next()` for a bad header, or when reached for a JSON file.
 */
export function streamFeed(source: FeedSource, format: FeedFormat, now: Date, windowChars = CSV_WINDOW_CHARS): FeedStream {
  const hasher = createHash('sha256');
  let digest: string | null = null;
  const consumed = { bytes: 0 };
  // A rejected row is kept until the import ends. Its cells are substrings of the window of text
  // they were read from, and V8 keeps a substring as a pointer into its parent: one reject a window
  // kept that whole window (about 320 KB) alive, and a 100,000-row file with a reject every few
  // hundred rows peaked at 209 MB, its heap growing with the file. A structured clone owns its strings.
  const item = (read: ReturnType<typeof readFeedRow>): FeedItem =>
    'reason' in read ? { rejected: structuredClone(read) } : { accepted: read };
  async function* csv(): AsyncGenerator<FeedItem> {
    const at: CsvCursor = { row: 0, line: 1 };
    let header: CsvHeader | null = null;
    for await (const window of csvWindows(source, hasher, windowChars, consumed)) {
      for (const rec of readCsvWindow(window, at)) {
        if (!header) {
          header = csvHeader(rec);
          continue;
        }
        yield item(readFeedRow(csvRow(header, rec), now));
      }
    }
    if (!header) csvHeader(undefined);
    digest = `sha256:${hasher.digest('hex')}`;
  }
  // JSON is parsed whole (JSON.parse); only its rows' downstream work is streamed.
  async function* json(): AsyncGenerator<FeedItem> {
    const bytes = 'bytes' in source ? source.bytes : await readFile(source.path);
    hasher.update(bytes);
    consumed.bytes = byteLength(bytes);
    const items = jsonItems(bytes);
    digest = `sha256:${hasher.digest('hex')}`;
    for (let i = 0; i < items.length; i++) yield item(readFeedRow(jsonRow(items[i], i), now));
  }
  return {
    items: format === 'csv' ? csv() : json(),
    hash: () => {
      if (digest === null) throw new Error('the feed has not been read to its end yet');
      return digest;
    },
    bytesRead: () => consumed.bytes,
  };
}

/**
 * A file feed copied where nothing else writes, for an import to read twice. Both of its reads,
 * and the evidence it keeps, then see the same bytes however the file named on the command line
 * changes meanwhile: read in place, a file rewritten between the two reads had the second read's
 * rows stored and published before the import could tell. The copy is the kernel's (a reflink
 * where the filesystem has them), in the temporary directory the scratch databases use.
 */
export async function privateFeedCopy(path: string): Promise<{ source: { path: string }; remove(): Promise<void> }> {
  let dir: string | null = null;
  try {
    dir = await mkdtemp(join(tmpdir(), 'dealerscope-feed-'));
    const copy = join(dir, 'feed');
    await copyFile(path, copy, constants.COPYFILE_FICLONE);
    const made = dir;
    return { source: { path: copy }, remove: () => rm(made, { recursive: true, force: true }) };
  } catch (err) {
    if (dir) await rm(dir, { recursive: true, force: true });
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw err;
    throw new Error(`could not copy ${path} into ${tmpdir()} to import it from there: ${(err as Error).message}`);
  }
}
