// Saved-search alerts when something fails between finding a match and queuing its message: no
// match is lost, and none is sent that no longer holds.
//   - matching fails after the pass claimed its changes: the claim goes back, the next pass alerts;
//   - queuing fails (the database): the hits stay pending and the interval is handed back;
//   - one destination the outbox will not take (a private webhook once allowed) costs only itself:
//     the e-mail still goes, and the history lists the webhook as refused with the reason;
//   - a hit that was taken out of the lists before its alert went (quarantined, ended) is dropped.
//   - a hit re-priced by another replica while its alert was being queued stays pending and goes
//     out again at its new bid.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { ManualClock } from '../src/common/clock.js';
import { watchDestinations } from '../src/dealers/alert-destinations.js';
import { DealerAlerts } from '../src/dealers/alerts.js';
import { parseSearch, SearchStore } from '../src/dealers/searches.js';
import { dealerDb } from '../src/dealers/store.js';
import { Workspace, type WorkspaceDeps } from '../src/dealers/workspace.js';
import { checkDestination, type OutboundMessage } from '../src/notifications/index.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { ingestMadeListings } from './support/listings.js';

const SERVER_NOW = Date.UTC(2026, 10, 1);

describe('dealer alerts when a step fails', () => {
  let tdb: TestDb;
  let alerts: DealerAlerts;
  let workspace: Workspace;
  let dealerId: number;
  const clock = new ManualClock(SERVER_NOW);
  const sent: OutboundMessage[] = [];
  let failEnqueue = 0;
  /** Runs once inside the next enqueue, before its messages count as queued. */
  let duringEnqueue: (() => Promise<void>) | null = null;
  let mailing = true;
  /** Opportunity ids alerted so far, one entry each time an id was in a queued message. */
  const alerted = () => sent.flatMap((m) => ((m.fields?.matches ?? []) as Array<{ id: number }>).map((x) => x.id));
  const idsOf = async (prefix: string) =>
    (await tdb.db.kysely.selectFrom('opportunities').select('id').where('lot_id', 'like', `${prefix}%`).execute()).map((r) => Number(r.id));
  const pass = async () => {
    clock.advance(6 * 60_000);
    await alerts.pass();
  };

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    const ctx = { db: tdb.db, clock, cache: { dataVersion: () => 0 } } as unknown as WorkspaceDeps;
    workspace = new Workspace(ctx, defaultArbitrageParams());
    dealerId = (await workspace.store.create({ name: 'Everything Motors', zip: '75201', email: 'buyer@example.com' }, clock.now())).id;
    await new SearchStore(tdb.db).create(
      dealerId,
      await parseSearch(
        { name: 'all', channels: ['webhook', 'email'], webhookUrl: 'http://127.0.0.1:9/hook', minIntervalMinutes: 5 },
        { allowPrivate: true, dealerEmail: 'buyer@example.com', emailConfigured: true },
      ),
      clock.now(),
    );
    alerts = new DealerAlerts({
      db: tdb.db,
      clock,
      workspace,
      get emailConfigured() {
        return mailing;
      },
      scanMs: 60_000,
      notifications: {
        enqueue: async (messages: OutboundMessage[]) => {
          if (failEnqueue > 0) {
            failEnqueue--;
            throw new Error('outbox unavailable');
          }
          const during = duringEnqueue;
          duringEnqueue = null;
          await during?.();
          sent.push(...messages);
          return messages.map((_, i) => sent.length - messages.length + i + 1);
        },
        list: async () => [],
        // As the service has it once ALERT_WEBHOOK_ALLOW_PRIVATE is off: the saved loopback webhook is refused.
        check: (to) => checkDestination(to, false),
      },
    });
    await pass();
  }, 60_000);
  afterAll(async () => {
    await tdb?.drop();
  });

  it('a pass whose matching fails hands its changes back, and the next one alerts them', async () => {
    await ingestMadeListings(tdb.db, 4, 21, 'MATCHFAIL', clock.now());
    const reads = workspace.reads;
    const some = reads.some.bind(reads);
    let failed = false;
    reads.some = async (...args) => {
      if (!failed) {
        failed = true;
        throw new Error('database went away');
      }
      return some(...args);
    };
    try {
      await expect(pass()).rejects.toThrow('database went away');
    } finally {
      reads.some = some;
    }
    await pass();
    const ids = await idsOf('MATCHFAIL');
    expect(
      alerted()
        .filter((id) => ids.includes(id))
        .sort(),
    ).toEqual([...ids].sort());
  });

  it('an alert that could not be queued stays pending and goes with the next pass', async () => {
    const before = sent.length;
    await ingestMadeListings(tdb.db, 3, 22, 'QUEUEFAIL', clock.now());
    failEnqueue = 1;
    await expect(pass()).rejects.toThrow('outbox unavailable');
    expect(sent.length).toBe(before);
    // No alert is recorded with nothing behind it.
    const recorded = await dealerDb(tdb.db).selectFrom('dealer_alerts').select('text').where('text', 'like', '%3 new%').execute();
    expect(recorded).toEqual([]);
    await pass();
    const ids = await idsOf('QUEUEFAIL');
    expect(
      alerted()
        .filter((id) => ids.includes(id))
        .sort(),
    ).toEqual([...ids].sort());
  });

  it('a refused destination costs only itself, and the history says why', async () => {
    const before = sent.length;
    await ingestMadeListings(tdb.db, 2, 23, 'REFUSED', clock.now());
    await pass();
    const queued = sent.slice(before);
    expect(queued.map((m) => m.to.kind)).toEqual(['email']);
    const [latest] = await alerts.history(dealerId, 1);
    expect(latest!.deliveries).toEqual([
      expect.objectContaining({
        id: null,
        kind: 'webhook',
        target: 'http://127.0.0.1:9/…',
        status: 'refused',
        lastError: expect.stringMatching(/private or loopback/),
      }),
    ]);
  });

  it('without SMTP_URL an e-mail destination is refused, not queued to fail for ever', async () => {
    const before = sent.length;
    mailing = false;
    try {
      await ingestMadeListings(tdb.db, 2, 24, 'NOMAIL', clock.now());
      await pass();
    } finally {
      mailing = true;
    }
    expect(sent.length).toBe(before);
    const [latest] = await alerts.history(dealerId, 1);
    expect(latest!.deliveries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: null, kind: 'email', status: 'refused', lastError: expect.stringMatching(/SMTP_URL is not set/) }),
      ]),
    );
  });

  it("an incident's dealer notice reaches dealers alerted only through their watchlist, at their e-mail", async () => {
    const watcher = await workspace.store.create({ name: 'Watch Only Autos', zip: '10001', email: 'watcher@example.com' }, clock.now());
    const [opp] = await idsOf('MATCHFAIL');
    await new SearchStore(tdb.db).watch(watcher.id, opp!, 100_000, clock.now());
    const to = await alerts.alertDestinations();
    expect(to).toEqual(
      expect.arrayContaining([
        { kind: 'email', address: 'watcher@example.com' },
        { kind: 'email', address: 'buyer@example.com' },
      ]),
    );
    expect(to.filter((d) => d.kind === 'email' && d.address === 'watcher@example.com')).toHaveLength(1);
  });

  it('drops a match that left the lists before its alert went out', async () => {
    const before = alerted().length;
    await ingestMadeListings(tdb.db, 3, 24, 'GONE', clock.now());
    const ids = await idsOf('GONE');
    // Matched within the search's interval (the last alert went moments ago), so the hits wait.
    await alerts.pass();
    const [withdrawn, ...kept] = ids;
    await tdb.db.kysely.updateTable('opportunities').set({ is_active: 0 }).where('id', '=', withdrawn!).execute();
    await pass();
    const now = alerted().slice(before);
    expect(now.sort()).toEqual([...kept].sort());
  });
  it('a match re-priced while its alert is being queued stays pending and goes out again at its new bid', async () => {
    const before = alerted().length;
    await ingestMadeListings(tdb.db, 2, 25, 'REPRICED', clock.now());
    const [moved, still] = await idsOf('REPRICED');
    // While this replica queues the alert, another replica's pass sees the lot re-priced and sets
    // its hit pending again at the new bid, as matchSearches does.
    duringEnqueue = async () => {
      await tdb.db.kysely
        .updateTable('opportunities')
        .set((eb) => ({ current_bid_cents: eb('current_bid_cents', '+', 50_000) }))
        .where('id', '=', moved!)
        .execute();
      const hits = dealerDb(tdb.db);
      const hit = await hits
        .selectFrom('dealer_search_hits')
        .select('bid_cents')
        .where('opportunity_id', '=', moved!)
        .executeTakeFirstOrThrow();
      await hits
        .updateTable('dealer_search_hits')
        .set({ bid_cents: Number(hit.bid_cents) + 50_000, alerted_at: null, found_at: clock.now() })
        .where('opportunity_id', '=', moved!)
        .execute();
    };
    await pass();
    expect(duringEnqueue).toBeNull();
    expect(alerted().slice(before).sort()).toEqual([moved, still].sort());
    // The next alert carries the re-priced lot alone, at its new bid.
    await pass();
    expect(
      alerted()
        .slice(before)
        .filter((id) => id === moved),
    ).toHaveLength(2);
    expect(
      alerted()
        .slice(before)
        .filter((id) => id === still),
    ).toHaveLength(1);
  });

  // Last: its dealer's searches match everything later imports bring.
  it('watchlist alerts go to the webhooks of searches that send to one, not to a URL kept on an e-mail-only search', async () => {
    const owner = await workspace.store.create({ name: 'Hook Motors', zip: '75201', email: 'hooks@example.com' }, clock.now());
    const searches = new SearchStore(tdb.db);
    const ctx = { allowPrivate: true, dealerEmail: 'hooks@example.com', emailConfigured: true };
    await searches.create(
      owner.id,
      await parseSearch({ name: 'mail', channels: ['email'], webhookUrl: 'http://127.0.0.1:9/not-chosen' }, ctx),
      clock.now(),
    );
    await searches.create(
      owner.id,
      await parseSearch({ name: 'hook', channels: ['webhook'], webhookUrl: 'http://127.0.0.1:9/chosen' }, ctx),
      clock.now(),
    );
    const dealer = await workspace.store.dealer(owner.id);
    expect(await watchDestinations(dealerDb(tdb.db), dealer!)).toEqual([
      { kind: 'webhook', url: 'http://127.0.0.1:9/chosen' },
      { kind: 'email', address: 'hooks@example.com' },
    ]);
  });
});
