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
});
