// Rollout records in the shared database: decisions (with their evidence), trigger latches and
// attestations. Every replica reads the same rows, so a latch set by one controller holds on all.
import type { Environment } from '../config/index.js';
import { type Db, dbBool, toBool } from '../storage/index.js';
import type { Attestation } from './gates.js';

export type DecisionKind = 'auto_rollback' | 'rollback' | 'advance' | 'rearm' | 'dry_run' | 'platform_alert';

export interface DecisionInput {
  kind: DecisionKind;
  triggers: string[];
  fromPhase: number | null;
  toPhase: number | null;
  actor: string;
  reason: string | null;
  dryRun: boolean;
  evidence: unknown;
  flagsBefore: unknown;
  flagsAfter: unknown;
}

export interface Decision extends DecisionInput {
  id: number;
  at: string;
  environment: string;
}

export async function insertDecision(db: Db, env: Environment, at: number, d: DecisionInput): Promise<number> {
  const row = await db.kysely
    .insertInto('rollout_decisions')
    .values({
      environment: env,
      at,
      kind: d.kind,
      triggers_json: JSON.stringify(d.triggers),
      from_phase: d.fromPhase,
      to_phase: d.toPhase,
      actor: d.actor,
      reason: d.reason,
      dry_run: dbBool(db, d.dryRun),
      evidence_json: JSON.stringify(d.evidence ?? {}),
      flags_before_json: JSON.stringify(d.flagsBefore ?? {}),
      flags_after_json: JSON.stringify(d.flagsAfter ?? {}),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function listDecisions(db: Db, env: Environment, limit: number): Promise<Decision[]> {
  const rows = await db.kysely
    .selectFrom('rollout_decisions')
    .selectAll()
    .where('environment', '=', env)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    at: new Date(Number(r.at)).toISOString(),
    environment: r.environment,
    kind: r.kind as DecisionKind,
    triggers: JSON.parse(r.triggers_json) as string[],
    fromPhase: r.from_phase === null ? null : Number(r.from_phase),
    toPhase: r.to_phase === null ? null : Number(r.to_phase),
    actor: r.actor,
    reason: r.reason,
    dryRun: toBool(r.dry_run),
    evidence: JSON.parse(r.evidence_json) as unknown,
    flagsBefore: JSON.parse(r.flags_before_json) as unknown,
    flagsAfter: JSON.parse(r.flags_after_json) as unknown,
  }));
}

export interface Latch {
  trigger: string;
  decisionId: number;
  latchedAt: string;
}

export async function readLatches(db: Db, env: Environment): Promise<Latch[]> {
  const rows = await db.kysely.selectFrom('rollout_latches').selectAll().where('environment', '=', env).orderBy('trigger_id').execute();
  return rows.map((r) => ({
    trigger: r.trigger_id,
    decisionId: Number(r.decision_id),
    latchedAt: new Date(Number(r.latched_at)).toISOString(),
  }));
}

export async function addLatch(db: Db, env: Environment, trigger: string, decisionId: number, at: number): Promise<void> {
  await db.kysely
    .insertInto('rollout_latches')
    .values({ environment: env, trigger_id: trigger, decision_id: decisionId, latched_at: at })
    .onConflict((oc) => oc.columns(['environment', 'trigger_id']).doNothing())
    .execute();
}

/** Removes latches; returns the triggers that were latched. */
export async function removeLatches(db: Db, env: Environment, triggers: string[] | 'all'): Promise<string[]> {
  let q = db.kysely.deleteFrom('rollout_latches').where('environment', '=', env);
  if (triggers !== 'all') {
    if (triggers.length === 0) return [];
    q = q.where('trigger_id', 'in', triggers);
  }
  const rows = await q.returning('trigger_id').execute();
  return rows.map((r) => r.trigger_id);
}

export async function addAttestation(
  db: Db,
  env: Environment,
  a: { criterion: string; actor: string; evidence: string; at: number },
): Promise<void> {
  await db.kysely
    .insertInto('rollout_attestations')
    .values({ environment: env, criterion: a.criterion, actor: a.actor, at: a.at, evidence: a.evidence })
    .execute();
}

/** The latest attestation per criterion. */
export async function latestAttestations(db: Db, env: Environment): Promise<Map<string, Attestation>> {
  const rows = await db.kysely.selectFrom('rollout_attestations').selectAll().where('environment', '=', env).orderBy('id', 'asc').execute();
  const out = new Map<string, Attestation>();
  for (const r of rows)
    out.set(r.criterion, { criterion: r.criterion, actor: r.actor, at: new Date(Number(r.at)).toISOString(), evidence: r.evidence });
  return out;
}
