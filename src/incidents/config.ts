// The escalation timeline and who hears at each step, from the environment. Wrong values stop
// the start with a message naming the variable.
import { checkDestination, type Destination } from '../notifications/index.js';
import { envInt } from '../common/env.js';

export const STEP_COUNT = 4;
export const DEFAULT_STEPS_SECONDS = [0, 120, 300, 600] as const;

export type Audience = 'incidents' | 'engineering' | 'management' | 'dealers';
/** Step n (1-based) reaches AUDIENCES[n-1]. */
export const AUDIENCES: readonly Audience[] = ['incidents', 'engineering', 'management', 'dealers'];

export interface IncidentSettings {
  /** Seconds after the start at which each of the four steps is due. */
  stepsSeconds: number[];
  /** Destinations of steps 1–3; dealers come from the dealer directory port. */
  audiences: Record<Exclude<Audience, 'dealers'>, Destination[]>;
  /** How often a replica looks for due steps of incidents it did not open itself. */
  pollMs: number;
  /** Readiness sampling period and how long every replica must fail before an incident opens. */
  readinessIntervalMs: number;
  readinessWindowMs: number;
  /** How long a resolved incident's notice stays on dealer pages and /api/status. */
  resolvedNoticeMs: number;
}

export function parseSteps(raw: string | undefined): number[] {
  if (raw === undefined || raw.trim() === '') return [...DEFAULT_STEPS_SECONDS];
  const parts = raw.split(',').map((s) => s.trim());
  const steps = parts.map(Number);
  if (parts.length !== STEP_COUNT || steps.some((n, i) => parts[i] === '' || !Number.isFinite(n) || n < 0 || n > 86_400)) {
    throw new Error(
      `INCIDENT_STEPS_SECONDS must be ${STEP_COUNT} comma-separated numbers of seconds 0–86400 (incidents channel, engineering, management, dealers), got "${raw}"`,
    );
  }
  for (let i = 1; i < steps.length; i++) {
    if (steps[i]! < steps[i - 1]!)
      throw new Error(
        `INCIDENT_STEPS_SECONDS must not decrease (step ${i + 1} at ${steps[i]} s comes before step ${i} at ${steps[i - 1]} s), got "${raw}"`,
      );
  }
  return steps;
}

function destinations(env: NodeJS.ProcessEnv, webhookVar: string, emailVar: string | null, allowPrivate: boolean): Destination[] {
  const out: Destination[] = [];
  const url = env[webhookVar]?.trim();
  if (url) out.push({ kind: 'webhook', url });
  const emails = emailVar ? env[emailVar]?.trim() : '';
  if (emails)
    for (const address of emails
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean))
      out.push({ kind: 'email', address });
  for (const d of out) {
    try {
      checkDestination(d, allowPrivate);
    } catch (err) {
      throw new Error(`${d.kind === 'webhook' ? webhookVar : emailVar}: ${(err as Error).message}`);
    }
  }
  return out;
}

export function incidentSettings(env: NodeJS.ProcessEnv, allowPrivate: boolean): IncidentSettings {
  return {
    stepsSeconds: parseSteps(env.INCIDENT_STEPS_SECONDS),
    audiences: {
      incidents: destinations(env, 'ALERT_WEBHOOK_INCIDENTS', 'ALERT_EMAIL_INCIDENTS', allowPrivate),
      engineering: destinations(env, 'ESCALATION_ENGINEERING_WEBHOOK', 'ESCALATION_ENGINEERING_EMAIL', allowPrivate),
      management: destinations(env, 'ESCALATION_MANAGEMENT_WEBHOOK', 'ESCALATION_MANAGEMENT_EMAIL', allowPrivate),
    },
    pollMs: envInt(env, 'INCIDENT_POLL_MS', 5_000, 10, 600_000),
    readinessIntervalMs: envInt(env, 'INCIDENT_READINESS_INTERVAL_MS', 10_000, 10, 600_000),
    readinessWindowMs: envInt(env, 'INCIDENT_READINESS_WINDOW_SECONDS', 60, 1, 86_400) * 1000,
    resolvedNoticeMs: envInt(env, 'INCIDENT_RESOLVED_NOTICE_MINUTES', 60, 0, 10_080) * 60_000,
  };
}
