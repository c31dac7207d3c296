// The rollout phase per environment: the 'phase' flag layer every replica reads from the database.
import type { Environment } from '../config/index.js';
import type { Db } from '../storage/index.js';
import { MAX_PHASE } from './registry.js';

export interface PhaseRecord {
  phase: number;
  updatedAt: number;
  updatedBy: string;
  reason: string | null;
}

/** What a replica uses when no phase was ever recorded: production starts at 0, others show v5 whole. */
export function defaultPhase(env: Environment): number | null {
  return env === 'production' ? 0 : null;
}

export async function readPhaseRecord(db: Db, env: Environment): Promise<PhaseRecord | null> {
  const row = await db.kysely.selectFrom('rollout_state').selectAll().where('environment', '=', env).executeTakeFirst();
  if (!row) return null;
  return { phase: Number(row.phase), updatedAt: Number(row.updated_at), updatedBy: row.updated_by, reason: row.reason };
}

export async function writePhase(
  db: Db,
  env: Environment,
  phase: number,
  meta: { actor: string; reason: string | null; now: number },
): Promise<void> {
  if (!Number.isInteger(phase) || phase < 0 || phase > MAX_PHASE) throw new RangeError(`phase must be 0–${MAX_PHASE}`);
  await db.kysely
    .insertInto('rollout_state')
    .values({ environment: env, phase, updated_at: meta.now, updated_by: meta.actor, reason: meta.reason })
    .onConflict((oc) => oc.column('environment').doUpdateSet({ phase, updated_at: meta.now, updated_by: meta.actor, reason: meta.reason }))
    .execute();
}
