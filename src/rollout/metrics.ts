// Rollout and flag gauges of the metrics contract (docs/metrics.md), read from live state at scrape time.
import client from 'prom-client';
import { FLAG_NAMES, type FlagControl, type FlagDefinition, FLAGS } from '../flags/index.js';
import type { RolloutController } from './controller.js';

/** 1 when a flag is on: booleans as they are, other flags when they differ from their v4 value. */
export function flagEnabled(name: (typeof FLAG_NAMES)[number], value: unknown): number {
  const def: FlagDefinition = FLAGS[name];
  if (def.type === 'boolean') return value === true ? 1 : 0;
  // CACHE_MAX_SIZE is 1000 in v4: "above zero" read it as on at phase 0 and under the kill switch.
  return value !== def.v4 ? 1 : 0;
}

export function registerRolloutMetrics(registry: client.Registry, control: FlagControl, controller: RolloutController): void {
  new client.Gauge({
    name: 'dealerscope_rollout_phase',
    help: 'Rollout phase in force (0 = v4 … 4 = v5 whole; 4 also when no phase is recorded)',
    registers: [registry],
    collect() {
      this.set(controller.effectivePhase());
    },
  });
  new client.Gauge({
    name: 'dealerscope_rollout_trigger_firing',
    help: 'Rollback trigger state: 1 fired or latched, 0.5 pending (breaching, waiting out its for: duration), 0 ok',
    labelNames: ['trigger'] as const,
    registers: [registry],
    collect() {
      for (const s of controller.engine.snapshot()) {
        this.set({ trigger: s.id }, s.status === 'fired' || s.status === 'latched' ? 1 : s.status === 'pending' ? 0.5 : 0);
      }
    },
  });
  new client.Gauge({
    name: 'dealerscope_rollout_unrecorded_records',
    help: 'Rollout decisions, latches and re-arms this replica acted on but the database has not taken yet (written when it answers)',
    registers: [registry],
    collect() {
      this.set(controller.recording().unrecorded);
    },
  });
  new client.Gauge({
    name: 'dealerscope_feature_flag_enabled',
    help: 'Feature flag on (1) or off (0); numeric and enum flags count as on when they differ from v4',
    labelNames: ['flag'] as const,
    registers: [registry],
    collect() {
      const flags = control.view().flags;
      for (const n of FLAG_NAMES) this.set({ flag: n }, flagEnabled(n, flags[n]));
    },
  });
}
