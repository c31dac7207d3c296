// Streamed feed imports: the file is read in windows and stored in bounded batches, and what
// lands is exactly what the whole-file pipeline stores. The memory bound is asserted as the
// largest batch the import ever holds, for a small and a four-times-larger file.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SelectQueryNode, TableNode, type KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFeedFile } from '../bench/ingest-feed.js';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { parseListingFeed, type AcceptedListing } from '../src/ingest/feed.js';
import { importFeedSource, POSTGRES_BATCHES_IN_FLIGHT } from '../src/ingest/feed-import.js';
import { streamFeed } from '../src/ingest/feed-stream.js';
import { headerKey } from '../src/ingest/csv-records.js';
import { heapCeiling } from '../src/common/heap-ceiling.js';
import { patternKey, VinDecoder } from '../src/quality/vin-decoding/decoder.js';
import { loadVinDecodes } from '../src/quality/vin-decoding/decode-store.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { expectSameImport, rowCount, snapshot, wholeFileImportAt } from './support/import-snapshot.js';

const NOW = Date.UTC(2026, 10, 26, 12);
const params = defaultArbitrageParams();
const dir = mkdtempSync(join(tmpdir(), 'ds-ingest-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const wholeFileImport = (db: TestDb['db'], content: Buffer) => wholeFileImportAt(db, content, NOW, params);

describe('streamed feed import', () => {
  let whole: TestDb;
  let streamed: TestDb;
  let file: string;
  beforeAll(async () => {
    [whole, streamed] = await Promise.all([createTestDb('sqlite'), createTestDb('sqlite')]);
    file = join(dir, 'feed-1200.csv');
    await writeFeedFile(file, 1200, { reference: NOW });
  });
  afterAll(async () => {
    await Promise.all([whole?.drop(), streamed?.drop()]);
  });

  it('stores exactly what the whole-file pipeline stores, batch by batch', async () => {
    const content = readFileSync(file);
    const a = await wholeFileImport(whole.db, content);
    const b = await importFeedSource(streamed.db, { path: file }, 'csv', {
      origin: 'feed.csv',
      now: NOW,
      params,
      batchRows: 150,
      windowChars: 4096,
    });
    expect(a.rejected.length).toBeGreaterThan(0);
    expect(a.superseded).toBeGreaterThan(0);
    expect(a.quality!.anomalous).toBeGreaterThan(0);
    await expectSameImport(whole.db, a, streamed.db, b);
  });

  it('imports the file as it was when the import began, however it is rewritten meanwhile', async () => {
    const content = readFileSync(file);
    const moving = join(dir, 'moving.csv');
    writeFileSync(moving, content);
    const [a, b] = await Promise.all([createTestDb('sqlite'), createTestDb('sqlite')]);
    try {
      const whole = await wholeFileImport(a.db, content);
      // Rewritten in place during each read: bids doubled, the last rows cut off.
      const rewritten = Buffer.from(content.toString('utf8').replace(/,(\d{4,6}),/g, (_, bid: string) => `,${Number(bid) * 2},`)).subarray(
        0,
        content.length - 5000,
      );
      const rewrites: string[] = [];
      const streamed = await importFeedSource(b.db, { path: moving }, 'csv', {
        origin: 'feed.csv',
        now: NOW,
        params,
        batchRows: 150,
        onBatch: (_rows, pass) => {
          if (rewrites.includes(pass)) return;
          rewrites.push(pass);
          writeFileSync(moving, rewritten);
        },
      });
      expect(rewrites).toEqual(['survey', 'publish']);
      await expectSameImport(a.db, whole, b.db, streamed);
    } finally {
      await Promise.all([a.drop(), b.drop()]);
    }
  });

  it('compares with the live population exactly as the whole-file pipeline does', async () => {
    // A store that already holds: 400 of the file's vehicles under other lot ids (their VINs are
    // duplicated across lots), 400 of the file's own lots (updated by it, so not their own peers),
    // and 600 other listings of the same makes — more than one page of the population's reads.
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const other = join(dir, 'feed-other.csv');
    await writeFeedFile(other, 600, { reference: NOW, seed: 11 });
    const others = readFileSync(other, 'utf8').trimEnd().split('\n').slice(1);
    const relot = (line: string, prefix: string) => line.replace(/,L(\d+),/, `,${prefix}$1,`);
    const prior = Buffer.from(
      [lines[0], ...lines.slice(1, 401).map((l) => relot(l, 'P')), ...lines.slice(401, 801), ...others.map((l) => relot(l, 'Q'))].join(
        '\n',
      ) + '\n',
    );
    const [a, b] = await Promise.all([createTestDb('sqlite'), createTestDb('sqlite')]);
    try {
      for (const t of [a, b]) await wholeFileImport(t.db, prior);
      const sa = await wholeFileImport(a.db, readFileSync(file));
      const sb = await importFeedSource(b.db, { path: file }, 'csv', { origin: 'feed.csv', now: NOW, params, batchRows: 150 });
      const got = await expectSameImport(a.db, sa, b.db, sb);
      const duplicates = got.anomalies.filter((r) => r.kind === 'duplicate_vin' && String(r.lot_id).startsWith('L'));
      expect(duplicates.length).toBeGreaterThan(300);
      // Each names a stored listing under another lot id: the population was read.
      expect(duplicates.every((r) => / lot [PQ]\d+/.test(String(r.detail)))).toBe(true);
      expect(duplicates.filter((r) => / lot P\d+/.test(String(r.detail))).length).toBeGreaterThan(300);
      expect(got.anomalies.some((r) => r.kind === 'bid_cohort_outlier' || r.kind === 'mileage_cohort_outlier')).toBe(true);
    } finally {
      await Promise.all([a.drop(), b.drop()]);
    }
  });

  it('holds at most one batch of rows whatever the file size', async () => {
    const big = join(dir, 'feed-4800.csv');
    await writeFeedFile(big, 4800, { reference: NOW, seed: 3 });
    const largest = async (path: string) => {
      const db = await createTestDb('sqlite');
      let max = 0;
      let batches = 0;
      try {
        await importFeedSource(db.db, { path }, 'csv', {
          origin: 'f.csv',
          now: NOW,
          params,
          batchRows: 200,
          onBatch: (rows) => {
            max = Math.max(max, rows);
            batches++;
          },
        });
      } finally {
        await db.drop();
      }
      return { max, batches };
    };
    const small = await largest(file);
    const large = await largest(big);
    expect(large.batches).toBeGreaterThan(small.batches * 3);
    expect(small.max).toBe(200);
    expect(large.max).toBe(200);
  });

  it('reports the first read in bytes of the file, rising batch by batch to its size', async () => {
    const db = await createTestDb('sqlite');
    const seen: Array<[number, number]> = [];
    try {
      await importFeedSource(db.db, { path: file }, 'csv', {
        origin: 'f.csv',
        now: NOW,
        params,
        batchRows: 200,
        // Reading runs up to a window ahead of the rows checked; small windows keep it close.
        windowChars: 8192,
        onSurveyProgress: (read, total) => seen.push([read, total]),
      });
    } finally {
      await db.drop();
    }
    const size = readFileSync(file).length;
    expect(seen.length).toBeGreaterThan(4);
    expect(seen.every(([, total]) => total === size)).toBe(true);
    const reads = seen.map(([read]) => read);
    expect(reads.slice(1).every((r, i) => r >= reads[i]!)).toBe(true);
    expect(reads[0]).toBeLessThan(size / 2);
    expect(reads.at(-1)).toBe(size);
  });

  it('reads CSV in windows exactly as whole: quoted newlines, CRLF, BOM, blank lines and a broken quote', async () => {
    const header = 'source,lot_id,year,make,model,current_bid,auction_end,state,description';
    const row = (i: number, desc: string) => `govdeals,W${i},2019,Ford,Explorer,5000,2026-12-10,TX,${desc}`;
    const lines = [header];
    for (let i = 0; i < 120; i++) {
      lines.push(row(i, i % 7 === 0 ? `"line one\r\nline ""two"", ${i}"` : i % 11 === 0 ? '' : `plain ${i}`));
      if (i % 13 === 0) lines.push('');
      if (i === 60) lines.push('govdeals,BROKEN,2019,Ford,Explorer,5000,2026-12-10,TX,"never closed');
    }
    const content = Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`);
    const want = parseListingFeed(content, 'csv', { now: new Date(NOW) });
    for (const windowChars of [16, 100, 1000]) {
      const feed = streamFeed({ bytes: content }, 'csv', new Date(NOW), windowChars);
      const accepted: AcceptedListing[] = [];
      const rejected = [];
      for await (const item of feed.items) {
        if ('accepted' in item) accepted.push(item.accepted);
        else rejected.push(item.rejected);
      }
      expect(rejected).toEqual(want.rejected);
      // Cells are built when asked; what they hold must match too.
      const withCells = (rows: AcceptedListing[]) =>
        rows.map((r) => ({ ...r, cells: r.cells(), cell: r.cells().map((c) => r.cell(headerKey(c.column))) }));
      expect(withCells(accepted)).toEqual(withCells(want.accepted));
      expect(feed.hash()).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
  });

  it('keeps a file’s rejected rows without keeping the text they were read from', async () => {
    // One rejected row in every window of 64 KB of text, 200 windows: a reject that pointed into
    // its window (a substring does, in V8) would keep all 12.8 MB alive until the import ends.
    const filler = 'x'.repeat(1000);
    const path = join(dir, 'rejects-every-window.csv');
    // Written from a function of its own, so that none of the file's text is live once it returns.
    const writeFile = () => {
      const lines = ['source,lot_id,year,make,model,current_bid,auction_end,state,description'];
      for (let w = 0; w < 200; w++)
        for (let i = 0; i < 64; i++)
          lines.push(`govdeals,W${w}-${i},2019,Ford,Explorer,5000,2026-12-10,${i === 0 ? 'XX' : 'TX'},${filler}`);
      writeFileSync(path, `${lines.join('\n')}\n`);
    };
    writeFile();
    const collect = heapCeiling({ ceilingBytes: 0 });
    const heapAfterCollecting = () => {
      collect.check();
      return process.memoryUsage().heapUsed;
    };
    const before = heapAfterCollecting();
    const rejected = [];
    for await (const item of streamFeed({ path }, 'csv', new Date(NOW), 64 * 1024).items)
      if ('rejected' in item) rejected.push(item.rejected);
    const held = heapAfterCollecting() - before;
    expect(rejected).toHaveLength(200);
    expect(rejected[199]).toMatchObject({ lotId: 'W199-0', raw: { state: 'XX', description: filler } });
    // 200 rejects of about 1 KB each held 1.1 MB with the code the stream compiled, against 14.4 MB
    // when each kept its window.
    expect(held).toBeLessThan(4 * 1024 * 1024);
  });

  it('stores nothing from a file that is not UTF-8, naming the byte and line, however far in it is', async () => {
    const good = readFileSync(file);
    const latin1 = join(dir, 'latin1.csv');
    // A Windows-1252 "é" in a row near the end: the first read finds it before anything is stored.
    writeFileSync(
      latin1,
      Buffer.concat([
        good,
        Buffer.from(
          'GovDeals,X-1,2019 Ford F-150,2019,Ford,F-150,,,1000,5000,2027-01-01T00:00:00Z,Montr\xe9al,TX,78701,,clean,d\n',
          'latin1',
        ),
      ]),
    );
    const at = good.length + 'GovDeals,X-1,2019 Ford F-150,2019,Ford,F-150,,,1000,5000,2027-01-01T00:00:00Z,Montr'.length;
    const line = good.toString('utf8').split('\n').length;
    const db = await createTestDb('sqlite');
    try {
      for (const source of [{ path: latin1 }, { bytes: readFileSync(latin1) }]) {
        await expect(importFeedSource(db.db, source, 'csv', { origin: 'latin1.csv', now: NOW, params })).rejects.toThrow(
          `feed is not UTF-8 text: byte ${at} (0xE9, line ${line})`,
        );
      }
      await expect(
        importFeedSource(db.db, { bytes: Buffer.from('[{"lot_id":"caf\xe9"}]', 'latin1') }, 'json', { origin: 'l.json', now: NOW, params }),
      ).rejects.toThrow(/byte 15 \(0xE9, line 1\)/);
      expect(await rowCount(db.db, 'listings')).toBe(0);
    } finally {
      await db.drop();
    }
  });

  it('stores nothing from a file whose header cannot be read', async () => {
    const db = await createTestDb('sqlite');
    try {
      await expect(
        importFeedSource(db.db, { bytes: 'VIN,Year,Make\n1,2,3\n' }, 'csv', { origin: 'bad.csv', now: NOW, params }),
      ).rejects.toThrow(/lacks required column/);
      expect(await rowCount(db.db, 'imports')).toBe(0);
    } finally {
      await db.drop();
    }
  });
});

describe('streamed feed import with batches in flight', () => {
  let file: string;
  beforeAll(async () => {
    file = join(dir, 'feed-1200-overlap.csv');
    await writeFeedFile(file, 1200, { reference: NOW, seed: 5 });
  });

  /** Batches started and not yet applied, at most, over the publish pass (`max`) and the first read (`surveyMax`). */
  function overlapMeter() {
    let surveying = 0;
    let open = 0;
    const m = { max: 0, batches: 0, surveyMax: 0 };
    return {
      m,
      onBatch: (_rows: number, pass: 'survey' | 'publish') => {
        if (pass === 'survey') return void (m.surveyMax = Math.max(m.surveyMax, ++surveying));
        m.batches++;
        m.max = Math.max(m.max, ++open);
      },
      afterBatch: () => {
        if (surveying) surveying--;
        else open--;
      },
    };
  }

  for (const [dialect, batchesInFlight] of [
    ['postgres', undefined],
    ['sqlite', 2],
  ] as const) {
    it(`on ${dialect}${batchesInFlight ? ` with ${batchesInFlight} in flight` : ' by default'}: batches written at once store exactly what one batch at a time stores`, async () => {
      const [whole, streamed] = await Promise.all([createTestDb(dialect), createTestDb(dialect)]);
      try {
        const content = readFileSync(file);
        const a = await wholeFileImport(whole.db, content);
        const meter = overlapMeter();
        const b = await importFeedSource(streamed.db, { path: file }, 'csv', {
          origin: 'feed.csv',
          now: NOW,
          params,
          batchRows: 120,
          batchesInFlight,
          onBatch: meter.onBatch,
          afterBatch: meter.afterBatch,
        });
        // All in flight at some point, never more: what the import holds stays bounded.
        expect(meter.m.batches).toBeGreaterThanOrEqual(9);
        expect(meter.m.max).toBe(batchesInFlight ?? POSTGRES_BATCHES_IN_FLIGHT);
        // The first read screens as many at once while it waits on the server, never more (a
        // SQLite batch's screening runs on this thread, often to its end before the next is read).
        if (dialect === 'postgres') expect(meter.m.surveyMax).toBe(POSTGRES_BATCHES_IN_FLIGHT);
        else expect(meter.m.surveyMax).toBeLessThanOrEqual(batchesInFlight);
        expect(a.quality!.anomalous).toBeGreaterThan(0);
        await expectSameImport(whole.db, a, streamed.db, b);
      } finally {
        await Promise.all([whole.drop(), streamed.drop()]);
      }
    });
  }

  it('on SQLite by default writes one batch at a time', async () => {
    const db = await createTestDb('sqlite');
    try {
      const meter = overlapMeter();
      await importFeedSource(db.db, { path: file }, 'csv', { origin: 'f.csv', now: NOW, params, batchRows: 200, ...meter });
      expect(meter.m.max).toBe(1);
      expect(meter.m.surveyMax).toBe(1);
    } finally {
      await db.drop();
    }
  });

  it('a failing batch fails the import only after the batch beside it has stopped writing', async () => {
    const db = await createTestDb('postgres');
    try {
      let calls = 0;
      const err = await importFeedSource(db.db, { path: file }, 'csv', {
        origin: 'f.csv',
        now: NOW,
        params,
        batchRows: 100,
        // Called as each listing is priced for storage: the 301st fails, a few batches in.
        hasOpenAnomaly: () => {
          if (++calls === 301) throw new Error('storage refused the batch');
          return false;
        },
      }).catch((e: unknown) => e);
      expect((err as Error).message).toBe('storage refused the batch');
      const count = async () =>
        Number(
          (
            await db.db.kysely
              .selectFrom('listings')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const after = await count();
      const imports = await db.db.kysely.selectFrom('imports').select(['status', 'finished_at']).execute();
      expect(imports).toEqual([{ status: 'failed', finished_at: expect.any(Number) }]);
      // Nothing lands after the failure was reported: the other batch had finished or rolled back.
      await new Promise((r) => setTimeout(r, 300));
      expect(await count()).toBe(after);
      expect(after).toBeGreaterThan(0);
      expect(after).toBeLessThan(1000);
    } finally {
      await db.drop();
    }
  });
});

describe('streamed feed import into a store that already holds listings', () => {
  it('hands each page of stored listings read as peers to afterPeerPage, so the heap ceiling can collect between them', async () => {
    // The stored listings are read a thousand at a time between the two reads of the file, with no
    // batch boundary; unchecked, their pages piled up in the old generation (31 → 112 MB of heap
    // importing into 120 k listings).
    const file = join(dir, 'feed-2500-peers.csv');
    await writeFeedFile(file, 2500, { reference: NOW, seed: 9 });
    const db = await createTestDb('sqlite');
    try {
      const pages = async () => {
        let n = 0;
        await importFeedSource(db.db, { path: file }, 'csv', { origin: 'peers.csv', now: NOW, params, afterPeerPage: () => n++ });
        return n;
      };
      // Into an empty store only the file's VIN chunks are asked for; the second time the ~2,490
      // stored listings of the same makes come in three pages of 1,000 besides.
      const empty = await pages();
      expect(empty).toBeGreaterThan(0);
      expect(await pages()).toBe(empty + 3);
    } finally {
      await db.drop();
    }
  });
});

describe('streamed feed import of VINs the first read decoded', () => {
  it('does not ask the store for the decodes again on the second read', async () => {
    const file = join(dir, 'feed-600-vins.csv');
    await writeFeedFile(file, 600, { reference: NOW, seed: 5 });
    const t = await createTestDb('sqlite');
    try {
      // Counts the reads of stored decodes, by the read of the file under way.
      let pass: 'survey' | 'publish' = 'survey';
      const reads = { survey: 0, publish: 0 };
      const counting: KyselyPlugin = {
        transformQuery: ({ node }) => {
          if (SelectQueryNode.is(node) && node.from?.froms.some((f) => TableNode.is(f) && f.table.identifier.name === 'vin_decodes'))
            reads[pass]++;
          return node;
        },
        transformResult: async ({ result }) => result,
      };
      const db = { ...t.db, kysely: t.db.kysely.withPlugin(counting) };
      const summary = await importFeedSource(db, { path: file }, 'csv', {
        origin: 'vins.csv',
        now: NOW,
        params,
        batchRows: 200,
        onBatch: (_rows, p) => {
          pass = p;
        },
      });
      expect(summary.quality!.vinsDecoded).toBeGreaterThan(300);
      expect(reads.survey).toBeGreaterThan(0);
      expect(reads.publish).toBe(0);
      // What the second read used is what the first stored: every published VIN's vehicle, from
      // the one decode stored for its pattern.
      const opps = await t.db.kysely.selectFrom('opportunities').select(['vin', 'vehicle_json']).where('vin', 'is not', null).execute();
      expect(opps.length).toBeGreaterThan(300);
      const decodes = await loadVinDecodes(
        t.db,
        opps.map((o) => o.vin),
      );
      for (const o of opps)
        expect((JSON.parse(o.vehicle_json!) as { model: string | null }).model).toBe(decodes.get(o.vin!.toUpperCase())?.model);
      const stored = await t.db.kysely.selectFrom('vin_decodes').select('vin').execute();
      expect(stored.length).toBe(new Set(stored.map((r) => patternKey(r.vin))).size);
      expect(new Set(stored.map((r) => patternKey(r.vin)))).toEqual(new Set([...decodes.keys()].map(patternKey)));
    } finally {
      await t.drop();
    }
  });

  it('decodes nothing when the file is imported again by a process that has decoded nothing yet', async () => {
    const file = join(dir, 'feed-400-again.csv');
    await writeFeedFile(file, 400, { reference: NOW, seed: 6 });
    const t = await createTestDb('sqlite');
    const fresh = await VinDecoder.open();
    try {
      const opts = { origin: 'again.csv', now: NOW, params, batchRows: 100 };
      const first = await importFeedSource(t.db, { path: file }, 'csv', opts);
      expect(first.quality!.vinsDecoded).toBeGreaterThan(200);
      const stored = async () => {
        const { listings, opportunities, provenance } = await snapshot(t.db);
        return { listings, opportunities, provenance };
      };
      const before = await stored();
      // A decoder with an empty pattern cache, as in a new CLI process: every VIN is stored, so the
      // first read answers them from the store and the second from what the first found there.
      const again = await importFeedSource(t.db, { path: file }, 'csv', { ...opts, vinDecoder: fresh });
      expect(fresh!.stats.decoded).toBe(0);
      expect(fresh!.stats.cached).toBeGreaterThan(200);
      expect(again.unchanged).toBe(first.created);
      // Every stored vehicle (opportunities' vehicle_json) is as the first import decoded it.
      expect(await stored()).toEqual(before);
    } finally {
      await fresh?.close();
      await t.drop();
    }
  });
});
