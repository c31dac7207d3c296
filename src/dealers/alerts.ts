// Dealer alerts. Imports and scrapes only write opportunities; a background pass in each serving
// replica finds what changed since the last pass (by the commit-ordered change number, a watermark
// in `settings` taken with compare-and-set so one replica handles each range), matches it against saved searches with
// each dealer's personal numbers, and queues messages in the notifications outbox. Nothing here
// runs inside an import, so delivery never slows one down; the outbox retries and keeps history
// (alert-log.ts); where each kind of alert goes is alert-destinations.ts.
//   saved search   new or re-priced matches, at most one alert per search per minIntervalMinutes
//   watchlist      bid changed, bid went past the dealer's ceiling, one hour before the end
import { PeriodicTask } from '../common/periodic-task.js';
import { sql, type Kysely } from 'kysely';
import type { Destination, Notifications } from '../notifications/index.js';
import type { Clock } from '../common/clock.js';
import { type Db, dbBool, valuesTable } from '../storage/index.js';
import { alertDestinations, searchDestinations, watchDestinations } from './alert-destinations.js';
import { AlertLog, type AlertView } from './alert-log.js';
import type { Personal } from './personal.js';
import type { Dealer } from './profile.js';
import { matchesFilters } from './reads.js';
import { filtersOf, type Channel } from './searches.js';
import { dealerDb } from './store.js';
import type { DealerTables } from './tables.js';
import type { Workspace } from './workspace.js';
import { envInt } from '../common/env.js';
import { readChangeSeq } from '../opportunities/index.js';
import { groupDigits } from '../common/digits.js';

/** DEALER_ALERT_SCAN_MS: how often each serving replica looks for changes to alert on (default 15 s). */
export function dealerAlertScanMs(env: NodeJS.ProcessEnv): number {
  return envInt(env, 'DEALER_ALERT_SCAN_MS', 15_000, 10, 3_600_000);
}

// The last change number (not time) the pass has handed out; opportunities_007 dropped the old key.
const WATERMARK = 'dealer_alerts_change_mark';
const CLAIM_LIMIT = 5000;
/** Hits marked sent per statement (a VALUES list of two columns each). */
const MARK_CHUNK = 500;
const HOUR_MS = 3_600_000;

export interface AlertDeps {
  db: Db;
  clock: Clock;
  workspace: Workspace;
  notifications: Pick<Notifications, 'enqueue' | 'list' | 'check'>;
  /** Whether the service sends e-mail (SMTP_URL is set): without it an e-mail destination is refused, not queued to fail. */
  emailConfigured: boolean;
  /** How often a replica looks for changes. */
  scanMs: number;
  log?: (msg: string) => void;
}

const money = (cents: number) => `$${groupDigits(Math.round(cents / 100))}`;
const line = (p: Personal) => {
  const o = p.opportunity;
  return `• ${o.year} ${o.make} ${o.model} (${o.location.state}) bid ${money(Math.round(o.currentBid * 100))}, profit ${money(p.profitCents)}, ceiling ${o.bidCeiling === null ? 'none' : money(Math.round(o.bidCeiling * 100))}${o.listingUrl ? ` ${o.listingUrl}` : ''} [#${o.id}]`;
};

/**
 * Runs a conditional update that claims an alert; true when this replica's update changed the row.
 * Replicas scanning the same row at once all see it due: only the claimant sends.
 */
async function claimed(update: { executeTakeFirst(): Promise<{ numUpdatedRows: bigint }> }): Promise<boolean> {
  return Number((await update.executeTakeFirst()).numUpdatedRows) > 0;
}

export class DealerAlerts {
  private readonly loop: PeriodicTask;
  private readonly log: AlertLog;

  constructor(private readonly deps: AlertDeps) {
    this.log = new AlertLog(deps);
    this.loop = new PeriodicTask({
      clock: deps.clock,
      firstAfterMs: 0,
      everyMs: deps.scanMs,
      run: () => this.pass(),
      onError: (err) => deps.log?.(`dealer alerts pass failed: ${err instanceof Error ? err.message : String(err)}`),
    });
  }

  /** The dealer's alert history, newest first, with each message's delivery status. */
  history(dealerId: number, limit = 100, before?: number): Promise<AlertView[]> {
    return this.log.history(dealerId, limit, before);
  }

  /** Where dealers who set up alerts want to hear (the incidents' dealer notices use it). */
  alertDestinations(): Promise<Destination[]> {
    return alertDestinations(this.h);
  }

  private get h(): Kysely<DealerTables> {
    return dealerDb(this.deps.db);
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** One pass: changes since the watermark, then due search alerts, then the watchlist. */
  async pass(): Promise<void> {
    const claim = await this.claimChanges();
    const changed = claim?.ids ?? [];
    if (claim) {
      try {
        await this.matchSearches(changed);
      } catch (err) {
        // The range goes back for the next pass (matching again is harmless: a recorded hit is
        // not recorded twice); claimed and dropped, its changes would never alert.
        await this.releaseClaim(claim);
        throw err;
      }
    }
    await this.flushSearches();
    await this.checkWatchlist(new Set(changed));
  }

  /** Puts the watermark back to where a failed claim found it, unless another pass has moved it since. */
  private async releaseClaim(claim: { from: string; to: string }): Promise<void> {
    await this.deps.db.kysely
      .updateTable('settings')
      .set({ value: claim.from, updated_at: this.deps.clock.now() })
      .where('key', '=', WATERMARK)
      .where('value', '=', claim.to)
      .execute();
  }

  /** Whether an opportunity is still something to alert a dealer about: live, not ended, within reach. */
  private alertable(p: Personal, dealer: Dealer, now: number): boolean {
    const live = p.row.is_active === true || p.row.is_active === 1;
    return live && p.row.status !== 'ended' && p.endsAt > now && (dealer.maxMiles === null || p.miles <= dealer.maxMiles);
  }

  /**
   * Ids of opportunities written since the last pass anywhere; empty when another replica took the range.
   * Follows the commit-ordered change number (opportunities_007), not updated_at: an importer's
   * clock behind the server's, or a transaction that committed after a later-numbered one, would
   * otherwise fall below a watermark already passed and never alert.
   */
  private async claimChanges(): Promise<{ ids: number[]; from: string; to: string } | null> {
    const db = this.deps.db.kysely;
    const now = this.deps.clock.now();
    // A fresh deployment starts from the changes already made: no alert storm over old rows.
    const current = await readChangeSeq(db);
    await db
      .insertInto('settings')
      .values({ key: WATERMARK, value: String(current), updated_at: now })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const mark = await db.selectFrom('settings').select('value').where('key', '=', WATERMARK).executeTakeFirstOrThrow();
    const from = Number(mark.value);
    // At most about CLAIM_LIMIT rows a pass, but never part of one change number: the rest of it
    // would be below the new mark. So cut at the number of the CLAIM_LIMIT-th row and take all of it.
    const cut = await db
      .selectFrom('opportunities')
      .select('change_seq')
      .where('change_seq', '>', from)
      .orderBy('change_seq')
      .limit(1)
      .offset(CLAIM_LIMIT - 1)
      .executeTakeFirst();
    let q = db.selectFrom('opportunities').select(['id', 'change_seq']).where('change_seq', '>', from);
    if (cut) q = q.where('change_seq', '<=', Number(cut.change_seq));
    const rows = await q.execute();
    if (rows.length === 0) return null;
    const to = String(rows.reduce((m, r) => Math.max(m, Number(r.change_seq)), from));
    const won = await db
      .updateTable('settings')
      .set({ value: to, updated_at: now })
      .where('key', '=', WATERMARK)
      .where('value', '=', mark.value)
      .executeTakeFirst();
    return Number(won.numUpdatedRows) > 0 ? { ids: rows.map((r) => Number(r.id)), from: mark.value, to } : null;
  }

  private async activeSearches() {
    return this.h
      .selectFrom('dealer_searches')
      .innerJoin('dealers', 'dealers.id', 'dealer_searches.dealer_id')
      .selectAll('dealer_searches')
      .where('dealers.revoked_at', 'is', null)
      .execute();
  }

  private async matchSearches(ids: number[]): Promise<void> {
    const now = this.deps.clock.now();
    const byDealer = new Map<number, Personal[]>();
    for (const s of await this.activeSearches()) {
      const dealerId = Number(s.dealer_id);
      let personal = byDealer.get(dealerId);
      if (!personal) {
        const dealer = await this.deps.workspace.store.dealer(dealerId);
        personal = dealer ? (await this.deps.workspace.reads.some(dealer, ids)).filter((p) => this.alertable(p, dealer, now)) : [];
        byDealer.set(dealerId, personal);
      }
      const filters = filtersOf(JSON.parse(s.filters_json) as Record<string, string>);
      for (const p of personal.filter((x) => matchesFilters(x, filters, null))) {
        const bid = Number(p.row.current_bid_cents);
        const seen = await this.h
          .selectFrom('dealer_search_hits')
          .select(['bid_cents'])
          .where('search_id', '=', s.id)
          .where('opportunity_id', '=', p.opportunity.id)
          .executeTakeFirst();
        if (seen && Number(seen.bid_cents) === bid) continue;
        if (seen)
          await this.h
            .updateTable('dealer_search_hits')
            .set({ bid_cents: bid, alerted_at: null, found_at: now })
            .where('search_id', '=', s.id)
            .where('opportunity_id', '=', p.opportunity.id)
            .execute();
        else
          await this.h
            .insertInto('dealer_search_hits')
            .values({ search_id: s.id, opportunity_id: p.opportunity.id, bid_cents: bid, alerted_at: null, found_at: now })
            .execute();
      }
    }
  }

  /** Sends each search's pending matches as one alert once its interval has passed since the last. */
  private async flushSearches(): Promise<void> {
    const now = this.deps.clock.now();
    for (const s of await this.activeSearches()) {
      if (s.last_alert_at !== null && now - Number(s.last_alert_at) < s.min_interval_minutes * 60_000) continue;
      const pending = await this.h
        .selectFrom('dealer_search_hits')
        .select(['opportunity_id', 'bid_cents'])
        .where('search_id', '=', s.id)
        .where('alerted_at', 'is', null)
        .execute();
      if (pending.length === 0) continue;
      // Claim the interval first, so two replicas never both send this search's alert.
      const won = await claimed(
        this.h
          .updateTable('dealer_searches')
          .set({ last_alert_at: now })
          .where('id', '=', s.id)
          .where((eb) => (s.last_alert_at === null ? eb('last_alert_at', 'is', null) : eb('last_alert_at', '=', s.last_alert_at))),
      );
      if (!won) continue;
      const dealer = await this.deps.workspace.store.dealer(Number(s.dealer_id));
      if (!dealer) continue;
      const ids = pending.map((p) => Number(p.opportunity_id));
      // A hit waits up to the search's interval: by now it may have been re-priced out of the
      // search, quarantined, ended or moved out of reach. Only what still matches is sent.
      const filters = filtersOf(JSON.parse(s.filters_json) as Record<string, string>);
      const items = (await this.deps.workspace.reads.some(dealer, ids)).filter(
        (p) => this.alertable(p, dealer, now) && matchesFilters(p, filters, null),
      );
      // Each hit is marked at the bid the alert gave it (what was read for it, for a hit no longer
      // alertable): one re-priced after that stays pending and goes out at its new bid.
      const sentBid = new Map(items.map((p) => [p.opportunity.id, Number(p.row.current_bid_cents)]));
      const markHits = () =>
        this.markSent(
          Number(s.id),
          pending.map((h) => [Number(h.opportunity_id), sentBid.get(Number(h.opportunity_id)) ?? Number(h.bid_cents)] as const),
          now,
        );
      if (items.length === 0) {
        await markHits();
        continue;
      }
      items.sort((a, b) => b.profitCents - a.profitCents);
      const text = `DealerScope: ${items.length} new or re-priced match${items.length === 1 ? '' : 'es'} for "${s.name}"\n${items.slice(0, 20).map(line).join('\n')}${items.length > 20 ? `\n… and ${items.length - 20} more` : ''}`;
      const to = searchDestinations(JSON.parse(s.channels_json) as Channel[], s.webhook_url, dealer);
      try {
        await this.log.record(dealer, {
          kind: 'search',
          searchId: Number(s.id),
          opportunityId: null,
          text,
          to,
          purpose: `search:${s.id}`,
          fields: {
            search: s.name,
            matches: items.map((p) => ({
              id: p.opportunity.id,
              profit: p.opportunity.profit,
              bidCeiling: p.opportunity.bidCeiling,
              url: p.opportunity.listingUrl,
            })),
          },
        });
      } catch (err) {
        // Not queued: the hits stay pending and the interval is handed back, so the next pass sends them.
        await this.h
          .updateTable('dealer_searches')
          .set({ last_alert_at: s.last_alert_at })
          .where('id', '=', s.id)
          .where('last_alert_at', '=', now)
          .execute();
        throw err;
      }
      // Marked after the alert is queued: a failure in between repeats an alert rather than losing one.
      await markHits();
    }
  }

  /**
   * Marks a search's hits sent, each only while it still has the bid given ([opportunity id, bid]).
   * A pass on another replica that re-priced a hit while this alert was being built (a new bid,
   * pending again) leaves it pending, so its new price is alerted next time rather than marked
   * sent under the old one.
   */
  private async markSent(searchId: number, hits: ReadonlyArray<readonly [number, number]>, now: number): Promise<void> {
    for (let i = 0; i < hits.length; i += MARK_CHUNK) {
      const part = hits.slice(i, i + MARK_CHUNK);
      await sql`UPDATE dealer_search_hits SET alerted_at = ${now} FROM ${valuesTable(part, [0, 1])}
        WHERE dealer_search_hits.search_id = ${searchId} AND dealer_search_hits.opportunity_id = v.column1
          AND dealer_search_hits.bid_cents = v.column2 AND dealer_search_hits.alerted_at IS NULL`.execute(this.deps.db.kysely);
    }
  }

  private async checkWatchlist(changed: Set<number>): Promise<void> {
    const now = this.deps.clock.now();
    const rows = await this.h
      .selectFrom('dealer_watchlist')
      .innerJoin('dealers', 'dealers.id', 'dealer_watchlist.dealer_id')
      .selectAll('dealer_watchlist')
      .where('dealers.revoked_at', 'is', null)
      .execute();
    const due = rows.filter((w) => changed.has(Number(w.opportunity_id)) || !w.ending_alerted);
    if (due.length === 0) return;
    const ending = await this.deps.db.kysely
      .selectFrom('opportunities')
      .select(['id', 'auction_end_ms'])
      .where(
        'id',
        'in',
        due.map((w) => Number(w.opportunity_id)),
      )
      .where('is_active', '=', dbBool(this.deps.db, true))
      .execute();
    const endsAt = new Map(ending.map((r) => [Number(r.id), Number(r.auction_end_ms)]));
    for (const w of due) {
      const oid = Number(w.opportunity_id);
      const end = endsAt.get(oid);
      const endingSoon = !w.ending_alerted && end !== undefined && end > now && end - now <= HOUR_MS;
      if (!changed.has(oid) && !endingSoon) continue;
      const dealer = await this.deps.workspace.store.dealer(Number(w.dealer_id));
      const p = dealer ? (await this.deps.workspace.reads.some(dealer, [oid]))[0] : undefined;
      if (!dealer || !p) continue;
      const bid = Number(p.row.current_bid_cents);
      const o = p.opportunity;
      const name = `${o.year} ${o.make} ${o.model} [#${o.id}]`;
      const to = await watchDestinations(this.h, dealer);
      const where = this.h
        .updateTable('dealer_watchlist')
        .where('dealer_id', '=', w.dealer_id)
        .where('opportunity_id', '=', w.opportunity_id);
      // Each alert is claimed first (claimed()), as a search's interval is.
      if (
        bid !== Number(w.last_bid_cents) &&
        (await claimed(where.set({ last_bid_cents: bid }).where('last_bid_cents', '=', w.last_bid_cents)))
      ) {
        await this.log.record(dealer, {
          kind: 'bid_change',
          searchId: null,
          opportunityId: oid,
          to,
          purpose: `watch:${oid}:bid:${bid}`,
          text: `DealerScope: the bid on ${name} moved from ${money(Number(w.last_bid_cents))} to ${money(bid)}; your ceiling is ${o.bidCeiling === null ? 'none' : money(Math.round(o.bidCeiling * 100))}. ${o.listingUrl ?? ''}`.trim(),
        });
      }
      const past = p.headroomCents === null || p.headroomCents < 0;
      if (past && !w.past_ceiling && (await claimed(where.set({ past_ceiling: 1 }).where('past_ceiling', '=', 0)))) {
        await this.log.record(dealer, {
          kind: 'passed_ceiling',
          searchId: null,
          opportunityId: oid,
          to,
          purpose: `watch:${oid}:ceiling`,
          text: `DealerScope: ${name} is past your bid ceiling (${o.bidCeiling === null ? 'no bid makes your targets' : `bid ${money(bid)} > ${money(Math.round(o.bidCeiling * 100))}`}).`,
        });
      } else if (!past && w.past_ceiling) await where.set({ past_ceiling: 0 }).execute();
      if (endingSoon && (await claimed(where.set({ ending_alerted: 1 }).where('ending_alerted', '=', 0)))) {
        await this.log.record(dealer, {
          kind: 'ending_soon',
          searchId: null,
          opportunityId: oid,
          to,
          purpose: `watch:${oid}:ending`,
          text: `DealerScope: ${name} ends at ${new Date(end as number).toISOString().slice(11, 16)} UTC (under an hour); bid ${money(bid)}, your ceiling ${o.bidCeiling === null ? 'none' : money(Math.round(o.bidCeiling * 100))}. ${o.listingUrl ?? ''}`.trim(),
        });
      }
    }
  }
}
