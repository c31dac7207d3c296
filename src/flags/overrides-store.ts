// Persisted runtime overrides (the 'override' layer) and their audit trail. Every write records
// who (token id), when, the old and new value and the reason, in the same transaction.
import type { Db } from '../storage/index.js';
import { coerceOverrideValue, FLAG_NAMES, isBreakGlassRelease, isFlagName, type FlagName, type OverrideValue } from './registry.js';

export type FlagOverrides = Partial<Record<FlagName, OverrideValue>>;

export interface ChangeMeta {
  actor: string;
  reason: string | null;
  now: number;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  flag: string;
  old: OverrideValue | null;
  new: OverrideValue | null;
  reason: string | null;
}

export interface OverrideRow {
  name: FlagName;
  value: OverrideValue;
  updatedAt: number;
  updatedBy: string;
  reason: string | null;
}

/** Checks a whole request body; any unknown name or wrong type rejects all of it. */
export function validateOverrides(
  body: unknown,
): { ok: true; values: FlagOverrides } | { ok: false; errors: Array<{ field: string; message: string }> } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, errors: [{ field: 'body', message: 'must be a JSON object of flag overrides' }] };
  }
  const errors: Array<{ field: string; message: string }> = [];
  const values: FlagOverrides = {};
  const entries = Object.entries(body as Record<string, unknown>);
  if (entries.length === 0) errors.push({ field: 'body', message: 'names no flag' });
  for (const [name, raw] of entries) {
    if (!isFlagName(name)) {
      errors.push({ field: name, message: `unknown feature flag; known: ${FLAG_NAMES.join(', ')}` });
      continue;
    }
    const parsed = coerceOverrideValue(name, raw);
    if (parsed.ok) values[name] = parsed.value;
    else errors.push({ field: name, message: parsed.error });
  }
  return errors.length ? { ok: false, errors } : { ok: true, values };
}

function parseValue(name: FlagName, json: string | null): OverrideValue | null {
  if (json === null) return null;
  try {
    const parsed = coerceOverrideValue(name, JSON.parse(json));
    return parsed.ok ? parsed.value : null;
  } catch {
    return null;
  }
}

export async function readOverrideRows(db: Db): Promise<OverrideRow[]> {
  const rows = await db.kysely.selectFrom('flag_overrides').selectAll().orderBy('name').execute();
  const out: OverrideRow[] = [];
  for (const r of rows) {
    // A row for a flag this build no longer knows (or with a stale type) is ignored, not fatal.
    if (!isFlagName(r.name)) continue;
    const value = parseValue(r.name, r.value_json);
    // A stored kill-switch false (written before releases removed the row) holds nothing.
    if (value === null || isBreakGlassRelease(r.name, value)) continue;
    out.push({ name: r.name, value, updatedAt: Number(r.updated_at), updatedBy: r.updated_by, reason: r.reason });
  }
  return out;
}

export async function readOverrides(db: Db): Promise<FlagOverrides> {
  const out: FlagOverrides = {};
  for (const r of await readOverrideRows(db)) out[r.name] = r.value;
  return out;
}

/**
 * Upserts overrides and audits each one whose value actually changes. Releasing the kill switch
 * (EMERGENCY_ROLLBACK false) removes its override instead of storing false.
 */
export async function writeOverrides(db: Db, values: FlagOverrides, meta: ChangeMeta): Promise<number> {
  return db.kysely.transaction().execute(async (trx) => {
    let changed = 0;
    for (const [name, value] of Object.entries(values) as Array<[FlagName, OverrideValue]>) {
      const old = await trx.selectFrom('flag_overrides').select('value_json').where('name', '=', name).executeTakeFirst();
      if (isBreakGlassRelease(name, value)) {
        if (!old) continue;
        await trx.deleteFrom('flag_overrides').where('name', '=', name).execute();
        await trx
          .insertInto('flag_audit')
          .values({ at: meta.now, actor: meta.actor, name, old_json: old.value_json, new_json: null, reason: meta.reason })
          .execute();
        changed++;
        continue;
      }
      const json = JSON.stringify(value);
      await trx
        .insertInto('flag_overrides')
        .values({ name, value_json: json, updated_at: meta.now, updated_by: meta.actor, reason: meta.reason })
        .onConflict((oc) =>
          oc.column('name').doUpdateSet({ value_json: json, updated_at: meta.now, updated_by: meta.actor, reason: meta.reason }),
        )
        .execute();
      if (old?.value_json === json) continue;
      changed++;
      await trx
        .insertInto('flag_audit')
        .values({ at: meta.now, actor: meta.actor, name, old_json: old?.value_json ?? null, new_json: json, reason: meta.reason })
        .execute();
    }
    return changed;
  });
}

/** Removes overrides (the flag falls back to the lower layers); returns the names that existed. */
export async function deleteOverrides(db: Db, names: FlagName[], meta: ChangeMeta): Promise<FlagName[]> {
  return db.kysely.transaction().execute(async (trx) => {
    const removed: FlagName[] = [];
    for (const name of names) {
      const old = await trx.selectFrom('flag_overrides').select('value_json').where('name', '=', name).executeTakeFirst();
      if (!old) continue;
      await trx.deleteFrom('flag_overrides').where('name', '=', name).execute();
      await trx
        .insertInto('flag_audit')
        .values({ at: meta.now, actor: meta.actor, name, old_json: old.value_json, new_json: null, reason: meta.reason })
        .execute();
      removed.push(name);
    }
    return removed;
  });
}

/** Writes an audit line for a change that is not an override (phase moves, forced advances). */
export async function auditEvent(db: Db, name: string, old: unknown, next: unknown, meta: ChangeMeta): Promise<void> {
  await db.kysely
    .insertInto('flag_audit')
    .values({
      at: meta.now,
      actor: meta.actor,
      name,
      old_json: old === undefined ? null : JSON.stringify(old),
      new_json: next === undefined ? null : JSON.stringify(next),
      reason: meta.reason,
    })
    .execute();
}

export async function readAudit(db: Db, opts: { limit: number; flag?: string }): Promise<AuditEntry[]> {
  let q = db.kysely.selectFrom('flag_audit').selectAll().orderBy('id', 'desc').limit(opts.limit);
  if (opts.flag) q = q.where('name', '=', opts.flag);
  const rows = await q.execute();
  const decode = (j: string | null) => {
    if (j === null) return null;
    try {
      return JSON.parse(j) as OverrideValue;
    } catch {
      return null;
    }
  };
  return rows.map((r) => ({
    id: Number(r.id),
    at: new Date(Number(r.at)).toISOString(),
    actor: r.actor,
    flag: r.name,
    old: decode(r.old_json),
    new: decode(r.new_json),
    reason: r.reason,
  }));
}
