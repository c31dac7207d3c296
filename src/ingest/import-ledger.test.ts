import { afterEach, describe, expect, it } from 'vitest';
import { ImportLedger, RowSet } from './import-ledger.js';

describe('RowSet', () => {
  it('holds row numbers as bits, growing past its first kilobyte', () => {
    const set = new RowSet();
    for (const row of [0, 7, 8, 8191, 8192, 1_000_003, 7]) set.add(row);
    expect(set.size).toBe(6);
    for (const row of [0, 7, 8, 8191, 8192, 1_000_003]) expect(set.has(row)).toBe(true);
    for (const row of [1, 9, 8190, 8193, 1_000_002, 5_000_000]) expect(set.has(row)).toBe(false);
  });
});

describe('ImportLedger', () => {
  const ledgers: ImportLedger[] = [];
  afterEach(() => {
    for (const l of ledgers.splice(0)) l.close();
  });
  const open = () => {
    const l = new ImportLedger();
    ledgers.push(l);
    return l;
  };

  it("names each lot's last row as its winner, across batches", () => {
    const ledger = open();
    ledger.record([
      { key: 'gsa\u0000A', row: 1 },
      { key: 'gsa\u0000B', row: 2 },
      { key: 'gsa\u0000A', row: 3 },
    ]);
    ledger.record([
      { key: 'govdeals\u0000A', row: 4 },
      { key: 'gsa\u0000B', row: 5 },
    ]);
    const winners = ledger.winners();
    expect(winners.size).toBe(3);
    expect([1, 2, 3, 4, 5].filter((r) => winners.has(r))).toEqual([3, 4, 5]);
    expect(ledger.has('gsa\u0000A')).toBe(true);
    expect(ledger.has('gsa\u0000C')).toBe(false);
  });

  it('counts each VIN once however many batches hold it', () => {
    const ledger = open();
    ledger.countVins(['V1', 'V2', 'V1']);
    ledger.countVins(['V2', 'V3']);
    expect(ledger.vinsCounted).toBe(3);
  });

  it('keeps rejected rows with their cells on disk, in order, and reports them without', () => {
    const ledger = open();
    const long = 'y'.repeat(30_000);
    const reported = [
      ledger.keepReject({ row: 4, lotId: 'L4', source: 'govdeals', reason: 'state: "XX" is not a US state', raw: { state: 'XX', n: 1 } }),
      ledger.keepReject({ row: 9, lotId: null, source: null, reason: 'no header cell', raw: { description: long } }),
      ledger.keepReject({ row: 2, lotId: 'L2', reason: 'year: "19x9" is not a year', raw: { year: '19x9' } }),
    ];
    expect(reported).toEqual([
      { row: 4, lotId: 'L4', source: 'govdeals', reason: 'state: "XX" is not a US state' },
      { row: 9, lotId: null, source: null, reason: 'no header cell' },
      { row: 2, lotId: 'L2', source: null, reason: 'year: "19x9" is not a year' },
    ]);
    const kept = [...ledger.rejectRecords()];
    expect(kept.map(({ rawJson: _cells, ...r }) => r)).toEqual(reported);
    expect(JSON.parse(kept[0]!.rawJson)).toEqual({ state: 'XX', n: 1 });
    // Cut as import_rejects has always cut them.
    expect(kept[1]!.rawJson).toBe(JSON.stringify({ description: long }).slice(0, 20_000));
    expect(JSON.parse(kept[2]!.rawJson)).toEqual({ year: '19x9' });
  });
});
