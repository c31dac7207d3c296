// Layered flag evaluation (README, Feature flags), lowest first: built-in defaults → environment profile →
// rollout phase → FF_<NAME> variables → runtime overrides → EMERGENCY_ROLLBACK.
// EMERGENCY_ROLLBACK itself does not follow "the highest layer wins": it is on while any layer
// says true (break glass wins), so the environment's true survives a runtime release.
// Values are resolved once per change into a frozen snapshot, so a read on the request path is
// a property lookup.
import { EventEmitter } from 'node:events';
import type { Environment } from '../config/index.js';
import { evaluatePercentage, isPercentageRollout, type PercentageRollout } from './percentage.js';
import {
  BREAK_GLASS_FLAG,
  coerceFlagValue,
  FLAG_NAMES,
  FLAGS,
  isFlagName,
  PROFILES,
  phaseValues,
  v4Values,
  type FlagName,
  type FlagValue,
  type FlagValues,
  type OverrideValue,
} from './registry.js';

export type FlagLayer = 'default' | 'profile' | 'phase' | 'env' | 'override' | 'emergency';

export interface FlagSnapshot {
  /**
   * Whole-service values. A flag in a percentage rollout reads true here while any client gets
   * it (P > 0), so guards such as "the browser pool is on" keep watching a partly-on capability.
   */
  flags: FlagValues;
  /** Boolean flags whose runtime override is a percentage rollout; get() evaluates them per request. */
  percentages: Partial<Record<FlagName, PercentageRollout>>;
  sources: Record<FlagName, FlagLayer>;
  phase: number | null;
  emergency: boolean;
}

export class FlagConfigError extends Error {}

/** Reads FF_<NAME> variables; a wrongly typed one is a start-up error, not a silent default. */
export function envFlagLayer(env: NodeJS.ProcessEnv): Partial<Record<FlagName, FlagValue>> {
  const out: Partial<Record<FlagName, FlagValue>> = {};
  for (const [key, raw] of Object.entries(env)) {
    if (!key.startsWith('FF_') || raw === undefined) continue;
    const name = key.slice(3);
    if (!isFlagName(name)) throw new FlagConfigError(`${key}: unknown feature flag ${name}`);
    const parsed = coerceFlagValue(name, raw, true);
    if (!parsed.ok) throw new FlagConfigError(`${key}: ${parsed.error}, got "${raw}"`);
    out[name] = parsed.value;
  }
  return out;
}

export class FlagService extends EventEmitter {
  private readonly profile: Partial<Record<FlagName, FlagValue>>;
  private readonly envLayer: Partial<Record<FlagName, FlagValue>>;
  private phase: number | null;
  private overrides: Partial<Record<FlagName, OverrideValue>> = {};
  private current!: FlagSnapshot;

  constructor(opts: { env: Environment; rawEnv?: NodeJS.ProcessEnv; phase?: number | null }) {
    super();
    this.profile = PROFILES[opts.env];
    this.envLayer = envFlagLayer(opts.rawEnv ?? {});
    // Production starts at phase 0 until the rollout state says otherwise.
    this.phase = opts.phase ?? (opts.env === 'production' ? 0 : null);
    this.recompute();
  }

  get<K extends FlagName>(name: K): FlagValues[K] {
    const rollout = this.current.percentages[name];
    if (rollout === undefined) return this.current.flags[name];
    return evaluatePercentage(name, rollout) as FlagValues[K];
  }

  snapshot(): FlagSnapshot {
    return this.current;
  }

  getPhase(): number | null {
    return this.phase;
  }

  setPhase(phase: number | null): void {
    this.phase = phase;
    this.recompute();
  }

  getOverrides(): Partial<Record<FlagName, OverrideValue>> {
    return { ...this.overrides };
  }

  /** Replaces the runtime override layer (from the database or a propagated change). */
  setOverrides(overrides: Partial<Record<FlagName, OverrideValue>>): void {
    this.overrides = { ...overrides };
    if (this.overrides[BREAK_GLASS_FLAG] === false) delete this.overrides[BREAK_GLASS_FLAG];
    this.recompute();
  }

  private recompute(): void {
    const flags: Record<string, FlagValue> = {};
    const sources: Record<string, FlagLayer> = {};
    const apply = (layer: Partial<Record<FlagName, FlagValue>>, name: FlagLayer) => {
      for (const [k, v] of Object.entries(layer)) {
        if (v === undefined) continue;
        flags[k] = v;
        sources[k] = name;
      }
    };
    for (const n of FLAG_NAMES) {
      flags[n] = FLAGS[n].default;
      sources[n] = 'default';
    }
    const percentages: Partial<Record<FlagName, PercentageRollout>> = {};
    const overrides: Partial<Record<FlagName, FlagValue>> = {};
    for (const [k, v] of Object.entries(this.overrides) as Array<[FlagName, OverrideValue]>) {
      if (isPercentageRollout(v)) {
        percentages[k] = v;
        overrides[k] = v.percentage > 0;
      } else overrides[k] = v;
    }
    const layers: Array<[FlagLayer, Partial<Record<FlagName, FlagValue>>]> = [
      ['profile', this.profile],
      ['phase', this.phase !== null ? phaseValues(this.phase) : {}],
      ['env', this.envLayer],
      ['override', overrides],
    ];
    for (const [name, layer] of layers) apply(layer, name);
    // The most durable layer holding the switch on is named, since it is the one to release.
    const holder = layers.find(([, layer]) => layer[BREAK_GLASS_FLAG] === true);
    if (holder) {
      flags[BREAK_GLASS_FLAG] = true;
      sources[BREAK_GLASS_FLAG] = holder[0];
    }
    const emergency = flags.EMERGENCY_ROLLBACK === true;
    if (emergency) {
      apply(v4Values(), 'emergency');
      // Break glass forces v4 for everyone: no cohort keeps a v5 feature.
      for (const name of Object.keys(percentages) as FlagName[]) if (FLAGS[name].v5) delete percentages[name];
    }
    const previous = this.current;
    this.current = Object.freeze({
      flags: Object.freeze(flags) as FlagValues,
      sources: Object.freeze(sources) as Record<FlagName, FlagLayer>,
      percentages: Object.freeze(percentages),
      phase: this.phase,
      emergency,
    });
    if (previous) this.emit('change', this.current, previous);
  }
}
