// The alert log: each alert a dealer was sent, queued in the notifications outbox and kept with
// the outbox ids of its messages, so the history shows each message's delivery status.
import type { Kysely } from 'kysely';
import { InvalidDestinationError, redactTarget, type Destination, type OutboundMessage } from '../notifications/index.js';
import type { AlertDeps } from './alerts.js';
import type { Dealer } from './profile.js';
import { dealerDb } from './store.js';
import type { DealerTables } from './tables.js';

export interface AlertView {
  id: number;
  kind: string;
  searchId: number | null;
  opportunityId: number | null;
  text: string;
  createdAt: string;
  deliveries: Array<{
    /** The outbox message; null for a destination that was refused and never queued. */
    id: number | null;
    kind: string;
    target: string;
    status: string;
    attempts: number;
    lastError: string | null;
    deliveredAt: string | null;
  }>;
}

export type AlertLogDeps = Pick<AlertDeps, 'db' | 'clock' | 'notifications' | 'log' | 'emailConfigured'>;

/** A destination the alert could not be queued to, kept beside the outbox ids in deliveries_json. */
interface RefusedDelivery {
  kind: Destination['kind'];
  target: string;
  error: string;
}

export class AlertLog {
  constructor(private readonly deps: AlertLogDeps) {}

  private get h(): Kysely<DealerTables> {
    return dealerDb(this.deps.db);
  }

  async record(
    dealer: Dealer,
    a: {
      kind: string;
      searchId: number | null;
      opportunityId: number | null;
      text: string;
      to: Destination[];
      purpose: string;
      fields?: Record<string, unknown>;
    },
  ): Promise<void> {
    const now = this.deps.clock.now();
    const subject = a.text.split('\n')[0]?.slice(0, 200) ?? 'DealerScope alert';
    // Each destination on its own merits: one the notifications service will not take (a saved
    // private webhook after ALERT_WEBHOOK_ALLOW_PRIVATE was turned off) is recorded as refused and
    // the others still go. The queueing itself failing (the database) throws, so the caller
    // leaves the alert pending for its next pass rather than losing it.
    const refused: RefusedDelivery[] = [];
    const messages: OutboundMessage[] = [];
    for (const to of a.to) {
      try {
        if (to.kind === 'email' && !this.deps.emailConfigured)
          throw new InvalidDestinationError('this service sends no e-mail (SMTP_URL is not set)');
        this.deps.notifications.check(to);
        messages.push({ to, subject, text: a.text, topic: `dealer:${dealer.id}`, purpose: a.purpose, fields: a.fields });
      } catch (err) {
        if (!(err instanceof InvalidDestinationError)) throw err;
        refused.push({ kind: to.kind, target: redactTarget(to.kind, to.kind === 'webhook' ? to.url : to.address), error: err.message });
        this.deps.log?.(`dealer ${dealer.id} alert not sent to a ${to.kind}: ${err.message}`);
      }
    }
    const ids = messages.length ? await this.deps.notifications.enqueue(messages) : [];
    await this.h
      .insertInto('dealer_alerts')
      .values({
        dealer_id: dealer.id,
        search_id: a.searchId,
        opportunity_id: a.opportunityId,
        kind: a.kind,
        text: a.text,
        deliveries_json: JSON.stringify([...ids, ...refused]),
        created_at: now,
      })
      .execute();
  }

  /**
   * The dealer's alert history, newest first, with each message's delivery status: `limit`
   * alerts, older than alert `before` when given (the next page of a longer history).
   */
  async history(dealerId: number, limit = 100, before?: number): Promise<AlertView[]> {
    let q = this.h.selectFrom('dealer_alerts').selectAll().where('dealer_id', '=', dealerId);
    if (before !== undefined) q = q.where('id', '<', before);
    const rows = await q.orderBy('id', 'desc').limit(limit).execute();
    // The messages of these alerts exactly: the dealer's latest few thousand would leave an older
    // alert's deliveries blank.
    const ids = rows.flatMap((r) =>
      (JSON.parse(r.deliveries_json) as Array<number | RefusedDelivery>).filter((e): e is number => typeof e === 'number'),
    );
    const deliveries = new Map(
      (await this.deps.notifications.list({ topic: `dealer:${dealerId}`, ids, limit: 5000 })).map((d) => [d.id, d]),
    );
    return rows.map((r) => ({
      id: Number(r.id),
      kind: r.kind,
      searchId: r.search_id === null ? null : Number(r.search_id),
      opportunityId: r.opportunity_id === null ? null : Number(r.opportunity_id),
      text: r.text,
      createdAt: new Date(Number(r.created_at)).toISOString(),
      deliveries: (JSON.parse(r.deliveries_json) as Array<number | RefusedDelivery>).flatMap((entry): AlertView['deliveries'] => {
        if (typeof entry !== 'number')
          return [
            { id: null, kind: entry.kind, target: entry.target, status: 'refused', attempts: 0, lastError: entry.error, deliveredAt: null },
          ];
        const d = deliveries.get(entry);
        return d
          ? [
              {
                id: d.id,
                kind: d.kind,
                target: d.target,
                status: d.status,
                attempts: d.attempts,
                lastError: d.lastError,
                deliveredAt: d.deliveredAt,
              },
            ]
          : [];
      }),
    }));
  }
}
