// Layered flag evaluation (README, Feature flags), lowest first: built-in defaults → environment profile →
// rollout phase → FF_<NAME> variables → runtime overrides → EMERGENCY_ROLLBACK.
// EMERGENCY_ROLLBACK itself does not follow "the highest layer wins": it is on while any layer
// says true (break glass wins), so the environment's true survives a runtime release.
// Values are resolved once per change into a frozen snapshot, so a read on the request path is
// a property lookup.
import { EventEmitter } from 'node:events';
import type { Environment } from '../config/env.js';
import {
  BREAK_GLASS_FLAG, coerceFlagValue, FLAG_NAMES, FLAGS, isFlagName, PROFILES, phaseValues, v4Values,
  type FlagName, type FlagValue, type FlagValues,
} from './registry.js';

export type FlagLayer = 'default' | 'profile' | 'phase' | 'env' | 'override' | 'emergency';

export interface FlagSnapshot {
  flags: FlagValues;
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
  private overrides: Partial<Record<FlagName, FlagValue>> = {};
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
    return this.current.flags[name];
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

  getOverrides(): Partial<Record<FlagName, FlagValue>> {
    return { ...this.overrides };
  }

  /** Replaces the runtime override layer (from the database or a propagated change). */
  setOverrides(overrides: Partial<Record<FlagName, FlagValue>>): void {
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
    const layers: Array<[FlagLayer, Partial<Record<FlagName, FlagValue>>]> = [
      ['profile', this.profile],
      ['phase', this.phase !== null ? phaseValues(this.phase) : {}],
      ['env', this.envLayer],
      ['override', this.overrides],
    ];
    for (const [name, layer] of layers) apply(layer, name);
    // The most durable layer holding the switch on is named, since it is the one to release.
    const holder = layers.find(([, layer]) => layer[BREAK_GLASS_FLAG] === true);
    if (holder) {
      flags[BREAK_GLASS_FLAG] = true;
      sources[BREAK_GLASS_FLAG] = holder[0];
    }
    const emergency = flags.EMERGENCY_ROLLBACK === true;
    if (emergency) apply(v4Values(), 'emergency');
    const previous = this.current;
    this.current = Object.freeze({
      flags: Object.freeze(flags) as FlagValues,
      sources: Object.freeze(sources) as Record<FlagName, FlagLayer>,
      phase: this.phase,
      emergency,
    });
    if (previous) this.emit('change', this.current, previous);
  }
}
