// Turns the rollout controller's events into console alerts. The controller owns the decision;
// this only describes it, mapping kinds to the three alert channels (rollbacks → deployments,
// SLO breaches → performance, other critical alerts → alerts).
import type { AlertChannel, AlertFeed, AlertSeverity } from './alert-feed.js';

export interface RolloutEvents {
  on(event: string, fn: (payload: unknown) => void): unknown;
  off?(event: string, fn: (payload: unknown) => void): unknown;
}

const CHANNELS = new Set<AlertChannel>(['alerts', 'deployments', 'performance']);
const SEVERITIES = new Set<AlertSeverity>(['critical', 'warning', 'info']);

function field(p: unknown, ...names: string[]): unknown {
  if (!p || typeof p !== 'object') return undefined;
  for (const n of names) {
    const v = (p as Record<string, unknown>)[n];
    if (v !== undefined && v !== null && v !== '') return v;
  }
  return undefined;
}

function describe(kind: string, p: unknown): string {
  const text = field(p, 'message', 'title', 'summary', 'text');
  if (typeof text === 'string') return text;
  const triggers = field(p, 'triggers');
  if (kind === 'decision' && field(p, 'kind') !== undefined) {
    const from = field(p, 'fromPhase') ?? '—';
    const to = field(p, 'toPhase') ?? '—';
    const why = Array.isArray(triggers) && triggers.length ? ` (${triggers.join(', ')})` : '';
    return `Rollout ${String(field(p, 'kind')).replace(/_/g, ' ')}: phase ${String(from)} → ${String(to)}${why}`;
  }
  if (kind === 'breach' && typeof field(p, 'trigger') === 'string') return `Trigger ${String(field(p, 'trigger'))} breached`;
  const trigger = field(p, 'trigger', 'name', 'triggerId');
  const action = field(p, 'action', 'kind', 'type');
  return [`rollout ${kind}`, action, trigger].filter((x) => typeof x === 'string' || typeof x === 'number').join(': ');
}

export function alertFromRolloutEvent(kind: 'decision' | 'breach' | 'alert', payload: unknown): Parameters<AlertFeed['publish']>[0] {
  const defaults: Record<typeof kind, { severity: AlertSeverity; channel: AlertChannel }> = {
    decision: { severity: 'critical', channel: 'deployments' },
    breach: { severity: 'warning', channel: 'performance' },
    alert: { severity: 'critical', channel: 'alerts' },
  };
  const ch = field(payload, 'channel');
  // A notification's severity follows its channel: only #alerts pages someone.
  const sev =
    field(payload, 'severity') ??
    (kind === 'alert' && CHANNELS.has(ch as AlertChannel) ? (ch === 'alerts' ? 'critical' : 'warning') : undefined);
  const detail = field(payload, 'detail', 'reason', 'evidence');
  return {
    severity: SEVERITIES.has(sev as AlertSeverity) ? (sev as AlertSeverity) : defaults[kind].severity,
    channel: CHANNELS.has(ch as AlertChannel) ? (ch as AlertChannel) : defaults[kind].channel,
    source: 'rollout',
    title: describe(kind, payload),
    ...(detail !== undefined ? { detail: typeof detail === 'string' ? detail : JSON.stringify(detail).slice(0, 500) } : {}),
  };
}

/** Subscribes the feed to a rollout controller; returns the unsubscribe function. */
export function bridgeRolloutAlerts(rollout: RolloutEvents, feed: AlertFeed): () => void {
  const kinds = ['decision', 'breach', 'alert'] as const;
  const handlers = kinds.map(
    (k) =>
      [
        k,
        (p: unknown) => {
          feed.publish(alertFromRolloutEvent(k, p));
        },
      ] as const,
  );
  for (const [k, h] of handlers) rollout.on(k, h);
  return () => {
    for (const [k, h] of handlers) rollout.off?.(k, h);
  };
}
