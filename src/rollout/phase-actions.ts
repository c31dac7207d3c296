// How a phase change becomes flag values on every replica. The phase layer does most of it; an
// override or FF_ variable that would keep a rolled-back flag on is pinned with an override the
// rollout owns (written by `rollout:<actor>`), and the next advance releases the pins that would
// hold flags back from the new phase.
import {
  type ChangeBy,
  type FlagControl,
  type FlagName,
  type FlagOverrides,
  flagsFromPhase,
  flagsOfFeatures,
  phaseValues,
  readOverrideRows,
} from '../flags/index.js';
import { ApiError } from '../common/errors.js';

export const PIN_PREFIX = 'rollout:';

export interface PhaseChange {
  pinned: FlagName[];
  released: FlagName[];
  /** What the database refused (the change is in force regardless); absent when all was stored. */
  unrecorded?: string[];
}

const pinBy = (by: ChangeBy): ChangeBy => ({
  actor: by.actor.startsWith(PIN_PREFIX) ? by.actor : `${PIN_PREFIX}${by.actor}`,
  reason: by.reason,
});

/** Moves the rollout to phase `to` and pins whatever a higher layer would keep from following. */
export async function pinPhase(control: FlagControl, to: number, by: ChangeBy): Promise<PhaseChange> {
  const set = await control.setPhaseEvenOffline(to, by);
  const unrecorded = set.recorded ? [] : [`phase ${to}: ${set.error}`];
  const view = control.view();
  const target = phaseValues(to);
  const pins: FlagOverrides = {};
  for (const name of flagsFromPhase(to + 1)) {
    const source = view.sources[name];
    if ((source === 'env' || source === 'override') && view.flags[name] !== target[name]) pins[name] = target[name] as never;
  }
  const pinned = Object.keys(pins) as FlagName[];
  if (pinned.length) {
    // Pins need the database; without it the phase alone is in force and the refusal is reported.
    await control.setOverrides(pins, pinBy(by)).catch((err: unknown) => {
      unrecorded.push(`pins ${pinned.join(', ')}: ${err instanceof Error ? err.message : String(err)}`);
    });
  }
  return { pinned, released: [], ...(unrecorded.length ? { unrecorded } : {}) };
}

/** Before advancing to `to`: clears the rollout's own pins that differ from phase `to`'s values. */
export async function releasePins(control: FlagControl, to: number, by: ChangeBy): Promise<FlagName[]> {
  const target = phaseValues(to);
  const rows = await readOverrideRows(control.backgroundDb());
  const stale = rows
    .filter((r) => r.updatedBy.startsWith(PIN_PREFIX) && target[r.name] !== undefined && target[r.name] !== r.value)
    .map((r) => r.name);
  if (stale.length) await control.clearOverrides(stale, by);
  return stale;
}

/** Returns only the named features' flags to phase `to`'s values, as rollout-owned pins. */
export async function rollbackFeatures(control: FlagControl, features: string[], to: number, by: ChangeBy): Promise<PhaseChange> {
  const { flags, unknown } = flagsOfFeatures(features);
  if (unknown.length) throw new ApiError(400, 'unknown_feature', `Unknown feature ${unknown.join(', ')}`);
  const target = phaseValues(to);
  const pins: FlagOverrides = {};
  for (const name of flags) pins[name] = target[name] as never;
  await control.setOverrides(pins, pinBy(by));
  return { pinned: flags, released: [] };
}
