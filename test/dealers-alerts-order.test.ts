// The alert pass follows the commit-ordered change number (opportunities_007), not updated_at:
// rows an importer wrote with a clock behind the server's still alert, and rows of concurrent
// imports are each alerted exactly once, however the pass interleaves with their commits. On
// PostgreSQL a transaction that holds a change number keeps a later import from committing
// around it (the counter row's lock), so a pass in between sees neither.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { ManualClock } from '../src/common/clock.js';
import { DealerAlerts } from '../src/dealers/alerts.js';
import { parseSearch, SearchStore } from '../src/dealers/searches.js';
import { Workspace } from '../src/dealers/workspace.js';
import type { WorkspaceDeps } from '../src/dealers/workspace.js';
import type { OutboundMessage } from '../src/notifications/index.js';
import { upsertOpportunities } from '../src/opportunities/store.js';
import { readChangeSeq } from '../src/opportunities/versions.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';
import { ingestMadeListings } from './support/listings.js';

const pgOk = await requirePostgres();
const SERVER_NOW = Date.UTC(2026, 10, 1);

describe.each([
  { dialect: 'sqlite' as const, run: true },
  { dialect: 'postgres' as const, run: pgOk },
])('dealer alerts in commit order on $dialect', ({ dialect, run }) => {
  let tdb: TestDb;
  let alerts: DealerAlerts;
  const clock = new ManualClock(SERVER_NOW);
  const sent: OutboundMessage[] = [];
  /** Opportunity ids of every search alert queued so far, one entry per time an id was alerted. */
  const alerted = () => sent.flatMap((m) => ((m.fields?.matches ?? []) as Array<{ id: number }>).map((x) => x.id));
  const idsOf = async (prefix: string) =>
    (await tdb.db.kysely.selectFrom('opportunities').select('id').where('lot_id', 'like', `${prefix}%`).execute()).map((r) => Number(r.id));
  /** A pass after the search's interval has run out, so whatever it matched is sent now. */
  const pass = async () => {
    clock.advance(6 * 60_000);
    await alerts.pass();
  };

  beforeAll(async () => {
    if (!run) return;
    tdb = await createTestDb(dialect);
    const ctx = { db: tdb.db, clock, cache: { dataVersion: () => 0 } } as unknown as WorkspaceDeps;
    const workspace = new Workspace(ctx, defaultArbitrageParams());
    const { id } = await workspace.store.create({ name: 'Everything Motors', zip: '75201' }, clock.now());
    await new SearchStore(tdb.db).create(
      id,
      await parseSearch(
        { name: 'all', channels: ['webhook'], webhookUrl: 'http://127.0.0.1:9/hook', minIntervalMinutes: 5 },
        { allowPrivate: true, dealerEmail: null, emailConfigured: false },
      ),
      clock.now(),
    );
    alerts = new DealerAlerts({
      db: tdb.db,
      clock,
      workspace,
      emailConfigured: true,
      scanMs: 60_000,
      notifications: {
        enqueue: async (messages: OutboundMessage[]) => {
          sent.push(...messages);
          return messages.map((_, i) => sent.length - messages.length + i + 1);
        },
        list: async () => [],
        check: () => {},
      },
    });
    // The first pass sets the mark at the changes already made.
    await pass();
  }, 60_000);
  afterAll(async () => {
    await tdb?.drop();
  });

  it.runIf(run)('alerts on rows an importer wrote with its clock an hour behind the server', async () => {
    await ingestMadeListings(tdb.db, 5, 11, 'NOW', clock.now());
    await pass();
    const now = await idsOf('NOW');
    expect(
      alerted()
        .filter((id) => now.includes(id))
        .sort(),
    ).toEqual([...now].sort());

    // updated_at of these rows is an hour before anything the pass has already seen.
    await ingestMadeListings(tdb.db, 5, 12, 'LATE', clock.now() - 3_600_000);
    await pass();
    const late = await idsOf('LATE');
    expect(late).toHaveLength(5);
    expect(
      alerted()
        .filter((id) => late.includes(id))
        .sort(),
    ).toEqual([...late].sort());
  });

  it.runIf(run)(
    'alerts every row of two concurrent imports exactly once while passes run between their commits',
    async () => {
      const before = alerted().length;
      let importing = true;
      const passes = (async () => {
        let n = 0;
        while (importing || n === 0) {
          await pass();
          n++;
          await new Promise((r) => setImmediate(r));
        }
      })();
      // 450 rows each: three storage transactions per import, so commits of the two interleave.
      await Promise.all([
        ingestMadeListings(tdb.db, 450, 21, 'CA', clock.now()),
        ingestMadeListings(tdb.db, 450, 22, 'CB', clock.now() - 60_000),
      ]);
      importing = false;
      await passes;
      await pass();
      const rows = [...(await idsOf('CA')), ...(await idsOf('CB'))];
      expect(rows).toHaveLength(900);
      const fresh = alerted().slice(before);
      expect([...fresh].sort((a, b) => a - b)).toEqual([...rows].sort((a, b) => a - b));
    },
    120_000,
  );

  // Declared on PostgreSQL only (SQLite has one writer at a time, so there is nothing to hold).
  if (dialect === 'postgres')
    it.runIf(run)('a transaction holding a change number keeps a later import from committing around it', async () => {
      const [target] = await idsOf('NOW');
      const row = await tdb.db.kysely.selectFrom('opportunities').selectAll().where('id', '=', target!).executeTakeFirstOrThrow();
      const { id: _id, change_seq: _seq, ...values } = row;
      const before = alerted().length;
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      let stamped!: () => void;
      const holding = new Promise<void>((r) => {
        stamped = r;
      });
      // A re-pricing of an already-alerted row that takes its number, then stalls before committing.
      const held = tdb.db.kysely.transaction().execute(async (trx) => {
        await upsertOpportunities(tdb.db, trx, [{ ...values, current_bid_cents: Number(values.current_bid_cents) + 12_300 }]);
        stamped();
        await gate;
      });
      await holding;
      const seqHeld = await readChangeSeq(tdb.db.kysely);
      const later = ingestMadeListings(tdb.db, 5, 31, 'AFTER', clock.now());
      // The later import waits on the counter: nothing of either is visible, so the pass claims nothing.
      await new Promise((r) => setTimeout(r, 300));
      await pass();
      expect(alerted().length).toBe(before);
      expect(await readChangeSeq(tdb.db.kysely)).toBe(seqHeld);
      release();
      await held;
      await later;
      await pass();
      const after = await idsOf('AFTER');
      expect(
        alerted()
          .slice(before)
          .sort((a, b) => a - b),
      ).toEqual([target!, ...after].sort((a, b) => a - b));
    });
});
