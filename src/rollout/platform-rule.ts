// The platform rule's verdict on each firing: put down to the platform (alert, no rollback, ask
// again after another `for:`) or acted on. It never holds a rollback back for ever: a breach that
// outlives every platform finding rolls back at the next firing, and one that has been put down
// to the platform for `maxDeferMs` rolls back regardless, saying so — a platform that has been
// failing that long is being fixed by people, and a phase change no longer adds to the confusion.
import { describeFindings, evidenceSince, platformMetrics, type PlatformFinding, type PlatformMonitor } from './platform.js';
import type { Firing } from './trigger-engine.js';

/** How long a breach may be put down to the platform before it rolls back anyway (30 min). */
export const DEFAULT_PLATFORM_MAX_DEFER_MS = 30 * 60_000;

export interface Verdicts {
  /** Alerted as the platform's; `continuing` when this breach was already put down to it. */
  platform: Array<{ firing: Firing; findings: PlatformFinding[]; continuing: boolean }>;
  /** Acted on as usual; `note` says why the platform rule let it through when it had held it. */
  act: Array<{ firing: Firing; note?: string }>;
}

export function judgeFirings(
  firings: Firing[],
  monitor: PlatformMonitor | null | undefined,
  platformSince: (trigger: string) => number | null,
  now: number,
  maxDeferMs: number,
): Verdicts {
  const out: Verdicts = { platform: [], act: [] };
  for (const f of firings) {
    const metrics = platformMetrics(f.evidence);
    if (!metrics || !monitor) {
      out.act.push({ firing: f });
      continue;
    }
    const since = platformSince(f.trigger.id);
    const findings = monitor.explain(metrics, evidenceSince(f), now);
    if (findings.length === 0) {
      out.act.push({
        firing: f,
        note:
          since === null
            ? undefined
            : `put down to the platform since ${new Date(since).toISOString()}, but the breach outlived every platform finding`,
      });
    } else if (since !== null && now - since >= maxDeferMs) {
      out.act.push({
        firing: f,
        note: `put down to the platform for ${minutes(now - since)} (limit ${minutes(maxDeferMs)}): rolled back regardless; platform: ${describeFindings(findings)}`,
      });
    } else {
      out.platform.push({ firing: f, findings, continuing: since !== null });
    }
  }
  return out;
}

function minutes(ms: number): string {
  return ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${Math.round(ms / 1000)} s`;
}
