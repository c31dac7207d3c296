// One escalation step of one incident, taken at most once across the fleet: the replica whose
// claim of the step's row succeeds writes its events and enqueues its messages in the same
// transaction. The loop that decides which steps are due is the Incidents service's.
import type { Kysely } from 'kysely';
import type { Destination } from '../notifications/index.js';
import { AUDIENCES } from './config.js';
import { dealerNoticeText, dealerText, stepText, type Text } from './messages.js';
import type { IncidentDeps } from './service.js';
import { addEvent, claimStep, getIncident, incidentDb, markNotice, SKIPPED_NOT_USER_FACING, type IncidentRow } from './store.js';

/** Where dealers who set up alerts want to hear; the dealer workspace provides it. */
export interface DealerDirectory {
  alertDestinations(): Promise<Destination[]>;
}
export const noDealers: DealerDirectory = { alertDestinations: async () => [] };

/** The notification topic of an incident's messages: steps, acknowledgement and resolution. */
export const topicOf = (id: number) => `incident:${id}`;

export interface StepDeps extends Pick<IncidentDeps, 'db' | 'settings'> {
  notifications: Pick<IncidentDeps['notifications'], 'enqueue' | 'check'>;
  dealers: DealerDirectory;
  /** Recorded as the step's taker. */
  replicaId: string;
}

/**
 * Takes `step` of `incident` at `now`; answers the outcome for the steps metric ('sent', 'none',
 * 'skipped'), or null when another replica took it first or the incident was acknowledged or
 * resolved since the pass read it.
 */
export async function takeStep(deps: StepDeps, incident: IncidentRow, step: number, now: number): Promise<string | null> {
  const audience = AUDIENCES[step - 1];
  // Read before the transaction: on SQLite a query outside it would wait for it to finish.
  const dealerDestinations: Destination[] = [];
  let refused = 0;
  if (audience === 'dealers' && incident.user_facing === 1) {
    // One dealer's unusable webhook must not hold the step (and every other dealer) back.
    for (const d of await deps.dealers.alertDestinations()) {
      try {
        deps.notifications.check(d);
        dealerDestinations.push(d);
      } catch {
        refused++;
      }
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a transaction over whichever tables the handle is narrowed to
  return deps.db.kysely.transaction().execute(async (trx: Kysely<any>) => {
    const h = incidentDb(trx);
    // Acknowledged or resolved since the pass read it: nothing more to send.
    const current = await getIncident(h, incident.id);
    if (!current || current.status !== 'open' || current.acknowledged_at !== null) return null;
    let text: Text;
    let to: Destination[];
    let outcome: string;
    if (audience === 'dealers') {
      if (current.user_facing !== 1) {
        if (!(await claimStep(h, current.id, step, deps.replicaId, SKIPPED_NOT_USER_FACING, now))) return null;
        await addEvent(h, {
          incidentId: current.id,
          at: now,
          kind: 'step',
          step,
          actor: deps.replicaId,
          message: 'Step 4 (dealers): skipped — not user-facing',
        });
        return 'skipped';
      }
      text = dealerText(current);
      to = dealerDestinations;
      outcome = `notice on dealer pages; ${to.length} dealer destination(s)${refused ? `, ${refused} refused (private or invalid address)` : ''}`;
    } else {
      text = stepText(current, step, now);
      to = deps.settings.audiences[audience];
      outcome = to.length ? `${to.length} destination(s)` : 'no destination configured';
    }
    if (!(await claimStep(h, current.id, step, deps.replicaId, outcome, now))) return null;
    if (audience === 'dealers') {
      await markNotice(h, current.id, now);
      await addEvent(h, {
        incidentId: current.id,
        at: now,
        kind: 'notice',
        step,
        actor: deps.replicaId,
        message: dealerNoticeText(current),
        public: true,
      });
    }
    await addEvent(h, {
      incidentId: current.id,
      at: now,
      kind: 'step',
      step,
      actor: deps.replicaId,
      message: `Step ${step} (${audience}) at +${Math.round((now - current.opened_at) / 1000)} s: ${outcome}`,
    });
    await deps.notifications.enqueue(
      to.map((d) => ({
        to: d,
        subject: text.subject,
        text: text.text,
        topic: topicOf(current.id),
        purpose: `step:${step}`,
        dedupeKey: `incident:${current.id}:step:${step}:${d.kind}:${d.kind === 'webhook' ? d.url : d.address}`,
        fields: { incident: current.id, step, audience },
      })),
      trx,
    );
    return to.length ? 'sent' : 'none';
  });
}
