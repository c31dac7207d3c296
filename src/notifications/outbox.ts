// The durable outbox: enqueue (optionally inside the caller's transaction, so a message exists
// exactly when the state change that caused it does), claim one due row at a time with a
// conditional update (so across replicas each attempt is made by one of them), and record the
// outcome of every attempt.
import type { Kysely } from 'kysely';
import type { Db } from '../storage/index.js';
import { redactTarget, targetOf, type Destination } from './destinations.js';
import type { DeliveryStatus, DestinationKind, NotificationTables } from './tables.js';

// Any Kysely handle (the app's or a transaction of it) seen with this capability's table.
type Handle = Kysely<NotificationTables>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- accepts a transaction of any table set; narrowed by withTables
export const outboxDb = (db: Db | Kysely<any>): Handle =>
  ('kysely' in db ? db.kysely : db).withTables<NotificationTables>() as unknown as Handle;

export interface OutboundMessage {
  to: Destination;
  subject: string;
  text: string;
  /** Extra JSON fields for webhooks; Slack ignores what it does not know. */
  fields?: Record<string, unknown>;
  topic: string;
  purpose: string;
  /** Enqueueing the same key twice keeps the first (idempotent producers). */
  dedupeKey?: string;
}

export interface Delivery {
  id: number;
  kind: DestinationKind;
  /** The destination as it may be shown (webhook paths hidden). */
  target: string;
  subject: string;
  topic: string;
  purpose: string;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
}

export interface OutboxRow {
  id: number;
  kind: DestinationKind;
  target: string;
  subject: string;
  body: string;
  fields_json: string | null;
  attempts: number;
  status: DeliveryStatus;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

/** Inserts messages; returns the ids of the rows that are new (a repeated dedupe key is skipped). */
export async function enqueueRows(h: Handle, messages: OutboundMessage[], now: number): Promise<number[]> {
  const ids: number[] = [];
  for (const m of messages) {
    const rows = await h
      .insertInto('notification_outbox')
      .values({
        kind: m.to.kind,
        target: targetOf(m.to),
        subject: m.subject.slice(0, 300),
        body: m.text.slice(0, 20_000),
        fields_json: m.fields ? JSON.stringify(m.fields) : null,
        topic: m.topic,
        purpose: m.purpose,
        dedupe_key: m.dedupeKey ?? null,
        status: 'pending',
        attempts: 0,
        last_error: null,
        next_attempt_at: now,
        claimed_by: null,
        claim_expires_at: null,
        created_at: now,
        delivered_at: null,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .returning('id')
      .execute();
    for (const r of rows) ids.push(Number(r.id));
  }
  return ids;
}

/** Rows whose attempt is due, or whose claimant went away mid-attempt. */
export async function dueRows(h: Handle, now: number, limit: number): Promise<OutboxRow[]> {
  const rows = await h
    .selectFrom('notification_outbox')
    .select(['id', 'kind', 'target', 'subject', 'body', 'fields_json', 'attempts', 'status'])
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', now)]),
        eb.and([eb('status', '=', 'sending'), eb('claim_expires_at', '<=', now)]),
      ]),
    )
    .orderBy('next_attempt_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, id: Number(r.id), attempts: Number(r.attempts) }));
}

/** True when this worker now owns the attempt on the row. */
export async function claimRow(h: Handle, id: number, worker: string, now: number, leaseMs: number): Promise<boolean> {
  const res = await h
    .updateTable('notification_outbox')
    .set({ status: 'sending', claimed_by: worker, claim_expires_at: now + leaseMs, updated_at: now })
    .where('id', '=', id)
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', now)]),
        eb.and([eb('status', '=', 'sending'), eb('claim_expires_at', '<=', now)]),
      ]),
    )
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export async function markDelivered(h: Handle, id: number, worker: string, attempts: number, now: number): Promise<void> {
  await h
    .updateTable('notification_outbox')
    .set({ status: 'delivered', attempts, delivered_at: now, last_error: null, claimed_by: null, claim_expires_at: null, updated_at: now })
    .where('id', '=', id)
    .where('claimed_by', '=', worker)
    .execute();
}

export async function markFailed(
  h: Handle,
  id: number,
  worker: string,
  attempts: number,
  error: string,
  next: number | null,
  now: number,
): Promise<void> {
  await h
    .updateTable('notification_outbox')
    .set({
      status: next === null ? 'dead' : 'pending',
      attempts,
      last_error: error.slice(0, 1000),
      next_attempt_at: next ?? now,
      claimed_by: null,
      claim_expires_at: null,
      updated_at: now,
    })
    .where('id', '=', id)
    .where('claimed_by', '=', worker)
    .execute();
}

/** Puts a parked (`dead`) message back in line; false when there is no such parked message. */
export async function retryRow(h: Handle, id: number, now: number): Promise<boolean> {
  const res = await h
    .updateTable('notification_outbox')
    .set({ status: 'pending', next_attempt_at: now, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'dead')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export interface ListFilter {
  topic?: string;
  /** Topics starting with this (e.g. `incident:`). */
  topicPrefix?: string;
  status?: DeliveryStatus;
  /** Only these messages (an alert log's own, whatever their age). */
  ids?: readonly number[];
  limit?: number;
}

export async function listDeliveries(h: Handle, f: ListFilter = {}): Promise<Delivery[]> {
  let q = h
    .selectFrom('notification_outbox')
    .select([
      'id',
      'kind',
      'target',
      'subject',
      'topic',
      'purpose',
      'status',
      'attempts',
      'last_error',
      'created_at',
      'next_attempt_at',
      'delivered_at',
    ]);
  if (f.topic !== undefined) q = q.where('topic', '=', f.topic);
  // Prefixes come from this code (`incident:`), never from a request, so they carry no LIKE wildcards.
  if (f.topicPrefix !== undefined) q = q.where('topic', 'like', `${f.topicPrefix}%`);
  if (f.status !== undefined) q = q.where('status', '=', f.status);
  if (f.ids !== undefined) {
    if (f.ids.length === 0) return [];
    q = q.where('id', 'in', [...f.ids]);
  }
  const rows = await q
    .orderBy('id', 'desc')
    .limit(Math.min(Math.max(f.limit ?? 200, 1), 5000))
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    kind: r.kind,
    target: redactTarget(r.kind, r.target),
    subject: r.subject,
    topic: r.topic,
    purpose: r.purpose,
    status: r.status,
    attempts: Number(r.attempts),
    lastError: r.last_error,
    createdAt: iso(Number(r.created_at))!,
    nextAttemptAt: r.status === 'pending' ? iso(Number(r.next_attempt_at)) : null,
    deliveredAt: iso(r.delivered_at === null ? null : Number(r.delivered_at)),
  }));
}

/** Distinct destinations (unredacted) that messages of a topic were addressed to, by purpose prefix. */
export async function destinationsOf(h: Handle, topic: string, purposePrefix: string): Promise<Destination[]> {
  const rows = await h
    .selectFrom('notification_outbox')
    .select(['kind', 'target'])
    .distinct()
    .where('topic', '=', topic)
    .where('purpose', 'like', `${purposePrefix}%`)
    .execute();
  return rows.map((r) => (r.kind === 'webhook' ? { kind: 'webhook', url: r.target } : { kind: 'email', address: r.target }));
}

export async function countByStatus(h: Handle): Promise<Record<DeliveryStatus, number>> {
  const rows = await h
    .selectFrom('notification_outbox')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  const out: Record<DeliveryStatus, number> = { pending: 0, sending: 0, delivered: 0, dead: 0 };
  for (const r of rows) out[r.status] = Number(r.n);
  return out;
}
