// What a streamed import remembers of the whole file, kept in a scratch SQLite database rather than
// on the heap. Which row stands for each lot: a feed may name a lot more than once (a re-listed or
// corrected row) and the last good row wins, which means remembering every lot of the file — in a
// Map of key strings ~90 bytes a row. The ledger hands the import a bit per row instead: is this
// row its lot's winner. And the VINs decoded so far, each counted once however many batches hold it.
// And the rejected rows' cells, which only the import_rejects table needs: a file of 100,000 rows
// with every other row rejected held them at about 1 KB a reject.
import type { Statement } from 'better-sqlite3';
import { openScratchDatabase, type ScratchDatabase } from '../storage/index.js';
import type { RejectedRow } from '../quality/index.js';
import { rejectRecord, type RejectRecord, type ReportedReject } from './import-records.js';

/** Row numbers as a bit set: what the second read of a file asks of every row. */
export class RowSet {
  private bits = new Uint8Array(1024);
  private count = 0;

  add(row: number): void {
    const byte = row >>> 3;
    if (byte >= this.bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.bits.length * 2));
      grown.set(this.bits);
      this.bits = grown;
    }
    const mask = 1 << (row & 7);
    if ((this.bits[byte]! & mask) === 0) this.count++;
    this.bits[byte]! |= mask;
  }

  has(row: number): boolean {
    const byte = row >>> 3;
    return byte < this.bits.length && (this.bits[byte]! & (1 << (row & 7))) !== 0;
  }

  get size(): number {
    return this.count;
  }
}

export class ImportLedger {
  private readonly db: ScratchDatabase;
  private readonly put: Statement;
  private readonly find: Statement;
  private readonly putVin: Statement;
  private readonly putReject: Statement;
  private vins = 0;

  constructor() {
    this.db = openScratchDatabase();
    this.db.exec('CREATE TABLE lots (key TEXT PRIMARY KEY, row INTEGER NOT NULL) WITHOUT ROWID');
    this.put = this.db.prepare('INSERT INTO lots (key, row) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET row = excluded.row');
    this.find = this.db.prepare('SELECT 1 FROM lots WHERE key = ?').pluck();
    this.db.exec('CREATE TABLE vins (vin TEXT PRIMARY KEY) WITHOUT ROWID');
    this.putVin = this.db.prepare('INSERT OR IGNORE INTO vins (vin) VALUES (?)');
    this.db.exec(
      'CREATE TABLE rejects (ord INTEGER PRIMARY KEY, row INTEGER NOT NULL, lot_id TEXT, source TEXT, reason TEXT NOT NULL, raw_json TEXT NOT NULL)',
    );
    this.putReject = this.db.prepare('INSERT INTO rejects (row, lot_id, source, reason, raw_json) VALUES (?, ?, ?, ?, ?)');
  }

  /** Keeps a rejected row, cells and all, and answers what the import's summary reports of it. */
  keepReject(r: RejectedRow): ReportedReject {
    const { rawJson, ...reported } = rejectRecord(r);
    this.putReject.run(reported.row, reported.lotId, reported.source, reported.reason, rawJson);
    return reported;
  }

  /** The rejected rows kept, in the order they were kept. */
  *rejectRecords(): IterableIterator<RejectRecord> {
    const rows = this.db.prepare('SELECT row, lot_id, source, reason, raw_json FROM rejects ORDER BY ord').raw().iterate();
    for (const [row, lotId, source, reason, rawJson] of rows as IterableIterator<[number, string | null, string | null, string, string]>)
      yield { row, lotId, source, reason, rawJson };
  }

  /** Records a batch of rows in file order: a lot's later row replaces its earlier one. */
  record(rows: ReadonlyArray<{ key: string; row: number }>): void {
    this.db.transaction(() => {
      for (const r of rows) this.put.run(r.key, r.row);
    })();
  }

  has(key: string): boolean {
    return this.find.get(key) !== undefined;
  }

  /** Each lot's winning row. */
  winners(): RowSet {
    const set = new RowSet();
    for (const row of this.db.prepare('SELECT row FROM lots').pluck().iterate() as IterableIterator<number>) {
      if (!Number.isSafeInteger(row) || row < 0) throw new Error(`feed row number ${row} is not a non-negative integer`);
      set.add(row);
    }
    return set;
  }

  /** Counts VINs not counted before. */
  countVins(vins: readonly string[]): void {
    this.db.transaction(() => {
      for (const vin of vins) this.vins += this.putVin.run(vin).changes;
    })();
  }

  /** Distinct VINs counted. */
  get vinsCounted(): number {
    return this.vins;
  }

  close(): void {
    this.db.close();
  }
}
