// The alert log: each alert a dealer was sent, queued in the notifications outbox and kept with
// the outbox ids of its messages, so the history shows each message's delivery status.
import type { Kysely } from 'kysely';
import type { Destination, OutboundMessage } from '../notifications/index.js';
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
    id: number;
    kind: string;
    target: string;
    status: string;
    attempts: number;
    lastError: string | null;
    deliveredAt: string | null;
  }>;
}

export type AlertLogDeps = Pick<AlertDeps, 'db' | 'clock' | 'notifications' | 'log'>;

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
    const messages: OutboundMessage[] = a.to.map((to) => ({
      to,
      subject,
      text: a.text,
      topic: `dealer:${dealer.id}`,
      purpose: a.purpose,
      fields: a.fields,
    }));
    let ids: number[] = [];
    try {
      ids = messages.length ? await this.deps.notifications.enqueue(messages) : [];
    } catch (err) {
      this.deps.log?.(`dealer ${dealer.id} alert not queued: ${err instanceof Error ? err.message : String(err)}`);
    }
    await this.h
      .insertInto('dealer_alerts')
      .values({
        dealer_id: dealer.id,
        search_id: a.searchId,
        opportunity_id: a.opportunityId,
        kind: a.kind,
        text: a.text,
        deliveries_json: JSON.stringify(ids),
        created_at: now,
      })
      .execute();
  }

  /** The dealer's alert history, newest first, with each message's delivery status. */
  async history(dealerId: number, limit = 100): Promise<AlertView[]> {
    const rows = await this.h
      .selectFrom('dealer_alerts')
      .selectAll()
      .where('dealer_id', '=', dealerId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    const deliveries = new Map((await this.deps.notifications.list({ topic: `dealer:${dealerId}`, limit: 5000 })).map((d) => [d.id, d]));
    return rows.map((r) => ({
      id: Number(r.id),
      kind: r.kind,
      searchId: r.search_id === null ? null : Number(r.search_id),
      opportunityId: r.opportunity_id === null ? null : Number(r.opportunity_id),
      text: r.text,
      createdAt: new Date(Number(r.created_at)).toISOString(),
      deliveries: (JSON.parse(r.deliveries_json) as number[])
        .map((id) => deliveries.get(id))
        .filter((d) => d !== undefined)
        .map((d) => ({
          id: d.id,
          kind: d.kind,
          target: d.target,
          status: d.status,
          attempts: d.attempts,
          lastError: d.lastError,
          deliveredAt: d.deliveredAt,
        })),
    }));
  }
}
