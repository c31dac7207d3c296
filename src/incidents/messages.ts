// What each audience is told. Operators get the cause and how to acknowledge; dealers get a plain
// statement of what they may notice, without internal detail.
import type { IncidentRow } from './store.js';

const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const minutes = (ms: number) => (ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`);

export interface Text {
  subject: string;
  text: string;
}

function ackHint(i: IncidentRow): string {
  return `Acknowledge: console /console/incidents, \`dealerscope incidents ack ${i.id}\` or POST /admin/incidents/${i.id}/ack.`;
}

export function stepText(i: IncidentRow, step: number, now: number): Text {
  const head = `[DealerScope incident #${i.id}] ${i.title}`;
  const facts = `Cause: ${i.cause}. Started ${at(i.opened_at)}${i.user_facing ? ', user-facing' : ''}.${i.detail ? ` ${i.detail}` : ''}`;
  if (step === 1) return { subject: head, text: `${head}\n${facts}\n${ackHint(i)}` };
  const waiting = `Unacknowledged for ${minutes(now - i.opened_at)}`;
  const who = step === 2 ? 'engineering' : 'management';
  return { subject: `${head}: escalated to ${who}`, text: `${head}\n${waiting}; escalated to ${who}.\n${facts}\n${ackHint(i)}` };
}

export function dealerNoticeText(i: IncidentRow): string {
  return `Since ${at(i.opened_at)} some DealerScope data may be delayed, stale or missing (${i.title}). We are working on it and will say here when it is fixed.`;
}

export function dealerText(i: IncidentRow): Text {
  return { subject: 'DealerScope service notice', text: dealerNoticeText(i) };
}

export function ackText(i: IncidentRow, actor: string): Text {
  return {
    subject: `[DealerScope incident #${i.id}] acknowledged`,
    text: `[DealerScope incident #${i.id}] ${i.title} — acknowledged by ${actor}; escalation stopped.`,
  };
}

export function resolvedText(i: IncidentRow, resolution: string, now: number): Text {
  return {
    subject: `[DealerScope incident #${i.id}] resolved`,
    text: `[DealerScope incident #${i.id}] RESOLVED: ${i.title} — ${resolution}. Lasted ${minutes(now - i.opened_at)} (from ${at(i.opened_at)} to ${at(now)}).`,
  };
}

export function dealerResolvedText(i: IncidentRow, now: number): Text {
  return {
    subject: 'DealerScope service notice: resolved',
    text: `Resolved at ${at(now)}: the problem that began at ${at(i.opened_at)} (${i.title}) is fixed. Thank you for your patience.`,
  };
}
