// Storage of incidents: open-or-join by cause, timeline events, the per-step claim, and the
// conditional updates that acknowledge and resolve (each happens once, whoever asks first).
import type { Kysely } from 'kysely';
import type { Db } from '../storage/index.js';
import type { EventKind, IncidentStatus, IncidentTables, IncidentsTable } from './tables.js';

export type Handle = Kysely<IncidentTables>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- accepts a transaction of any table set; narrowed by withTables
export const incidentDb = (db: Db | Kysely<any>): Handle =>
  ('kysely' in db ? db.kysely : db).withTables<IncidentTables>() as unknown as Handle;

export type IncidentRow = Omit<IncidentsTable, 'id'> & { id: number };

/** The outcome of the dealers' step for an incident that was not user-facing when it came due. */
export const SKIPPED_NOT_USER_FACING = 'skipped: not user-facing';

const COLUMNS = [
  'id',
  'cause',
  'open_key',
  'title',
  'detail',
  'user_facing',
  'status',
  'opened_at',
  'opened_by',
  'acknowledged_at',
  'acknowledged_by',
  'resolved_at',
  'resolved_by',
  'resolution',
  'notice_at',
  'updated_at',
] as const;

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
function toRow(r: Record<string, unknown>): IncidentRow {
  return {
    ...(r as unknown as IncidentRow),
    id: Number(r.id),
    user_facing: Number(r.user_facing),
    opened_at: Number(r.opened_at),
    acknowledged_at: num(r.acknowledged_at),
    resolved_at: num(r.resolved_at),
    notice_at: num(r.notice_at),
    updated_at: Number(r.updated_at),
  };
}

export interface OpenRequest {
  cause: string;
  title: string;
  detail: string | null;
  userFacing: boolean;
  actor: string;
  now: number;
}

/** Opens an incident for the cause, or returns the open one (`joined`). */
export async function openOrJoin(h: Handle, r: OpenRequest): Promise<{ row: IncidentRow; joined: boolean }> {
  const inserted = await h
    .insertInto('incidents')
    .values({
      cause: r.cause,
      open_key: r.cause,
      title: r.title,
      detail: r.detail,
      user_facing: r.userFacing ? 1 : 0,
      status: 'open',
      opened_at: r.now,
      opened_by: r.actor,
      acknowledged_at: null,
      acknowledged_by: null,
      resolved_at: null,
      resolved_by: null,
      resolution: null,
      notice_at: null,
      updated_at: r.now,
    })
    .onConflict((oc) => oc.column('open_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { row: (await getIncident(h, Number(inserted.id)))!, joined: false };
  const open = await h.selectFrom('incidents').select(COLUMNS).where('open_key', '=', r.cause).executeTakeFirst();
  // Resolved between the insert and this read: open a fresh one.
  if (!open) return openOrJoin(h, r);
  // A repeat that says users are affected makes the incident user-facing; the reverse never downgrades it.
  if (r.userFacing && Number(open.user_facing) === 0) {
    await h.updateTable('incidents').set({ user_facing: 1, updated_at: r.now }).where('id', '=', open.id).execute();
    // A dealers' step already passed over as "not user-facing" is due again: the next pass takes
    // it (notice and dealer messages), as it would have had the incident been user-facing then.
    await h.deleteFrom('incident_steps').where('incident_id', '=', open.id).where('outcome', '=', SKIPPED_NOT_USER_FACING).execute();
    return { row: { ...toRow(open), user_facing: 1 }, joined: true };
  }
  return { row: toRow(open), joined: true };
}

export async function getIncident(h: Handle, id: number): Promise<IncidentRow | null> {
  const r = await h.selectFrom('incidents').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  return r ? toRow(r) : null;
}

export async function openIncidentFor(h: Handle, cause: string): Promise<IncidentRow | null> {
  const r = await h.selectFrom('incidents').select(COLUMNS).where('open_key', '=', cause).executeTakeFirst();
  return r ? toRow(r) : null;
}

export async function listIncidents(
  h: Handle,
  f: { status?: IncidentStatus; limit: number; resolvedSince?: number },
): Promise<IncidentRow[]> {
  let q = h.selectFrom('incidents').select(COLUMNS);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.resolvedSince !== undefined) {
    const since = f.resolvedSince;
    q = q.where((eb) => eb.or([eb('status', '=', 'open'), eb('resolved_at', '>=', since)]));
  }
  const rows = await q.orderBy('opened_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
  return rows.map(toRow);
}

/** Open incidents nobody has acknowledged: the ones still escalating. */
export async function escalating(h: Handle): Promise<IncidentRow[]> {
  const rows = await h.selectFrom('incidents').select(COLUMNS).where('status', '=', 'open').where('acknowledged_at', 'is', null).execute();
  return rows.map(toRow);
}

export async function addEvent(
  h: Handle,
  e: { incidentId: number; at: number; kind: EventKind; step?: number | null; actor?: string | null; message: string; public?: boolean },
): Promise<void> {
  await h
    .insertInto('incident_events')
    .values({
      incident_id: e.incidentId,
      at: e.at,
      kind: e.kind,
      step: e.step ?? null,
      actor: e.actor ?? null,
      message: e.message.slice(0, 2000),
      public: e.public ? 1 : 0,
    })
    .execute();
}

export interface EventRow {
  incidentId: number;
  at: number;
  kind: EventKind;
  step: number | null;
  actor: string | null;
  message: string;
  public: boolean;
}

export async function eventsOf(h: Handle, ids: number[], onlyPublic = false): Promise<EventRow[]> {
  if (ids.length === 0) return [];
  let q = h
    .selectFrom('incident_events')
    .select(['incident_id', 'at', 'kind', 'step', 'actor', 'message', 'public'])
    .where('incident_id', 'in', ids);
  if (onlyPublic) q = q.where('public', '=', 1);
  const rows = await q.orderBy('at').orderBy('id').execute();
  return rows.map((r) => ({
    incidentId: Number(r.incident_id),
    at: Number(r.at),
    kind: r.kind,
    step: num(r.step),
    actor: r.actor,
    message: r.message,
    public: Number(r.public) === 1,
  }));
}

/** The last event of a kind, to keep repeats from flooding the timeline. */
export async function lastEventAt(h: Handle, incidentId: number, kind: EventKind): Promise<number | null> {
  const r = await h
    .selectFrom('incident_events')
    .select((eb) => eb.fn.max('at').as('at'))
    .where('incident_id', '=', incidentId)
    .where('kind', '=', kind)
    .executeTakeFirst();
  return num(r?.at);
}

export interface StepRow {
  incidentId: number;
  step: number;
  claimedAt: number;
  claimedBy: string;
  outcome: string;
}

export async function stepsOf(h: Handle, ids: number[]): Promise<StepRow[]> {
  if (ids.length === 0) return [];
  const rows = await h.selectFrom('incident_steps').selectAll().where('incident_id', 'in', ids).execute();
  return rows.map((r) => ({
    incidentId: Number(r.incident_id),
    step: Number(r.step),
    claimedAt: Number(r.claimed_at),
    claimedBy: r.claimed_by,
    outcome: r.outcome,
  }));
}

/** True when this caller took the step (the row did not exist). */
export async function claimStep(h: Handle, incidentId: number, step: number, by: string, outcome: string, now: number): Promise<boolean> {
  const rows = await h
    .insertInto('incident_steps')
    .values({ incident_id: incidentId, step, claimed_at: now, claimed_by: by, outcome })
    .onConflict((oc) => oc.columns(['incident_id', 'step']).doNothing())
    .returning('step')
    .execute();
  return rows.length === 1;
}

/** Acknowledges an open, unacknowledged incident; false when it was not one. */
export async function acknowledge(h: Handle, id: number, actor: string, now: number): Promise<boolean> {
  const res = await h
    .updateTable('incidents')
    .set({ acknowledged_at: now, acknowledged_by: actor, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'open')
    .where('acknowledged_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Resolves an open incident; false when it was not open. */
export async function resolve(h: Handle, id: number, actor: string, resolution: string, now: number): Promise<boolean> {
  const res = await h
    .updateTable('incidents')
    .set({
      status: 'resolved',
      open_key: null,
      resolved_at: now,
      resolved_by: actor,
      resolution: resolution.slice(0, 500),
      updated_at: now,
    })
    .where('id', '=', id)
    .where('status', '=', 'open')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export async function markNotice(h: Handle, id: number, now: number): Promise<void> {
  await h.updateTable('incidents').set({ notice_at: now, updated_at: now }).where('id', '=', id).where('notice_at', 'is', null).execute();
}
