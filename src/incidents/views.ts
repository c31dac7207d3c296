// The shapes incidents are shown in: the operator view (every step, delivery, acknowledgement
// and resolution in one timeline) and the public status.
import type { Delivery } from '../notifications/index.js';
import { AUDIENCES, type Audience } from './config.js';
import type { EventRow, IncidentRow, StepRow } from './store.js';
import { byCodeUnit } from '../common/compare.js';

export interface TimelineEntry {
  at: string;
  kind: 'opened' | 'repeat' | 'step' | 'notice' | 'acknowledged' | 'resolved' | 'delivery';
  step: number | null;
  actor: string | null;
  message: string;
  /** For deliveries: the outbox record (destination redacted). */
  delivery?: { id: number; purpose: string; target: string; status: Delivery['status']; attempts: number; lastError: string | null };
}

export interface StepView {
  step: number;
  audience: Audience;
  dueAt: string;
  takenAt: string | null;
  takenBy: string | null;
  outcome: string | null;
}

export interface IncidentView {
  id: number;
  cause: string;
  title: string;
  detail: string | null;
  userFacing: boolean;
  status: 'open' | 'resolved';
  startedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  resolution: string | null;
  /** When the notice went up on dealer pages (step 4); null when it never did. */
  noticeAt: string | null;
  steps: StepView[];
  timeline: TimelineEntry[];
}

export interface PublicIncident {
  id: number;
  title: string;
  startedAt: string;
  userFacing: boolean;
  resolvedAt: string | null;
  updates: Array<{ at: string; text: string }>;
}

export interface PublicStatus {
  status: 'ok' | 'degraded' | 'incident';
  incidents: PublicIncident[];
  /** Notices for dealer pages: open user-facing incidents past step 4, and lately resolved ones. */
  dealerNotices: Array<{ id: number; resolved: boolean; text: string }>;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function toView(r: IncidentRow, stepsSeconds: number[], events: EventRow[], steps: StepRow[], deliveries: Delivery[]): IncidentView {
  const timeline: TimelineEntry[] = events.map((e) => ({ at: iso(e.at)!, kind: e.kind, step: e.step, actor: e.actor, message: e.message }));
  for (const d of deliveries) {
    const at = d.deliveredAt ?? d.createdAt;
    const state =
      d.status === 'delivered'
        ? `delivered (attempt ${d.attempts})`
        : d.status === 'dead'
          ? `FAILED after ${d.attempts} attempt(s): ${d.lastError ?? 'unknown error'} — retry with POST /admin/notifications/${d.id}/retry`
          : d.attempts > 0
            ? `retrying (${d.attempts} attempt(s), last error: ${d.lastError ?? 'unknown'}; next ${d.nextAttemptAt ?? 'soon'})`
            : 'queued';
    const step = /^step:(\d)$/.exec(d.purpose)?.[1];
    timeline.push({
      at,
      kind: 'delivery',
      step: step ? Number(step) : null,
      actor: null,
      message: `${d.purpose} → ${d.kind} ${d.target}: ${state}`,
      delivery: { id: d.id, purpose: d.purpose, target: d.target, status: d.status, attempts: d.attempts, lastError: d.lastError },
    });
  }
  timeline.sort((a, b) => byCodeUnit(a.at, b.at));
  const stepViews = stepsSeconds.map((s, i) => {
    const taken = steps.find((x) => x.step === i + 1);
    return {
      step: i + 1,
      audience: AUDIENCES[i]!,
      dueAt: iso(r.opened_at + s * 1000)!,
      takenAt: taken ? iso(taken.claimedAt) : null,
      takenBy: taken?.claimedBy ?? null,
      outcome: taken?.outcome ?? null,
    };
  });
  return {
    id: r.id,
    cause: r.cause,
    title: r.title,
    detail: r.detail,
    userFacing: r.user_facing === 1,
    status: r.status,
    startedAt: iso(r.opened_at)!,
    acknowledgedAt: iso(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by,
    resolvedAt: iso(r.resolved_at),
    resolvedBy: r.resolved_by,
    resolution: r.resolution,
    noticeAt: iso(r.notice_at),
    steps: stepViews,
    timeline,
  };
}
