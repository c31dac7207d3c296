// `dealerscope quarantine|anomalies|quality` against a real database, run in-process through
// commander exactly as the CLI entry point registers them.
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerQualityCommands } from '../src/cli/quality-commands.js';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { importListingFeed } from '../src/ingest/import-service.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { makeVin } from './support/vins.js';

let tdb: TestDb;
const now = Date.now();

async function cli(...args: string[]): Promise<string> {
  const program = new Command('dealerscope').exitOverride();
  registerQualityCommands(program);
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    lines.push(a.join(' '));
  });
  try {
    await program.parseAsync(['node', 'dealerscope', ...args]);
  } finally {
    spy.mockRestore();
  }
  return lines.join('\n');
}

const row = (lot: string, serial: string, over: Record<string, unknown> = {}) => ({
  source: 'gsa',
  lot_id: lot,
  title: '2020 Chevrolet Tahoe',
  year: 2020,
  make: 'Chevrolet',
  model: 'Tahoe',
  vin: makeVin('1GNSKDEC', 'L', serial),
  mileage: 60_000,
  current_bid: 12_000,
  auction_end: new Date(now + 3 * 86_400_000).toISOString(),
  city: 'Denver',
  state: 'CO',
  zip: '80202',
  ...over,
});

beforeAll(async () => {
  tdb = await createTestDb('sqlite');
  process.env.DATABASE_URL = tdb.url;
  await importListingFeed(
    tdb.db,
    JSON.stringify([
      row('C-1', '11'),
      row('C-2', '12', { zip: '10001' }), // New York ZIP in CO
      row('C-3', '13', { auction_end: new Date(now - 3_600_000).toISOString() }), // ended an hour ago
    ]),
    'json',
    { origin: 'cli-feed.json', now, params: defaultArbitrageParams() },
  );
});
afterAll(async () => tdb.drop());

describe('quality CLI', () => {
  it('lists the quarantine with reasons', async () => {
    const res = JSON.parse(await cli('quarantine', 'list', '--json'));
    expect(res.total).toBe(1);
    expect(res.items[0]).toMatchObject({ lotId: 'C-2', row: 2, reasons: [{ rule: 'zip.state' }] });
    expect(await cli('quarantine', 'list')).toMatch(/zip\.state: zip 10001 is in NY, listing says CO/);
  });

  it('lists anomaly flags and marks one a false positive, re-appraising its opportunity', async () => {
    const open = JSON.parse(await cli('anomalies', 'list', '--status', 'open', '--json'));
    expect(open.items).toMatchObject([{ lotId: 'C-3', kind: 'auction_ended', status: 'open' }]);
    const id = open.items[0].id as number;
    expect(await cli('anomalies', 'mark-false-positive', String(id), '--actor', 'tester')).toMatch(
      /marked false positive; 1 opportunity re-appraised/,
    );
    const row = await tdb.db.kysely.selectFrom('quality_anomalies').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'false_positive', marked_by: 'cli:tester' });
    const opp = await tdb.db.kysely
      .selectFrom('opportunities')
      .select('anomalies_json')
      .where('lot_id', '=', 'C-3')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(opp.anomalies_json)).toMatchObject([{ id, status: 'false_positive' }]);
    // The id is an argument, and a bad one is named as such.
    await expect(cli('anomalies', 'mark-false-positive', 'abc')).rejects.toThrow('anomaly id must be a positive whole number, got "abc"');
  });

  it('reports compliance, the FP ratio and the quality score', async () => {
    const s = JSON.parse(await cli('quality', 'report', '--json'));
    expect(s.compliance.sources.gsa).toEqual({ validated: 3, passed: 2, ratio: 2 / 3 });
    // One flagged listing, reviewed and cleared: 1 false positive of 1 reviewed (the unflagged one was never reviewed).
    expect(s.anomalies).toMatchObject({ checked: 2, flagged: 1, reviewed: 1, falsePositives: 1, confirmed: 0, falsePositiveRatio: 1 });
    expect(s.provenance.coverageRatio).toBe(1);
    // Two published listings and one quarantined record make up the scored set.
    expect(s.quality.overall.records).toBe(3);
  });

  it('describes every command for --help', () => {
    const program = new Command('dealerscope');
    registerQualityCommands(program);
    const walk = (c: Command): Command[] => [c, ...c.commands.flatMap(walk)];
    for (const c of walk(program).slice(1)) expect(c.description(), c.name()).not.toBe('');
  });
});
