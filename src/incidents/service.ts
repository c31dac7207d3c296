// Incidents: opened by a cause (a repeat joins the open one), escalated step by step on the
// configured timeline until acknowledged, resolved by hand or when the cause clears — and each
// of those said on the channels it reached. Every replica runs the escalation loop; a step is
// taken by whichever replica claims its row first, in the same transaction that enqueues its
// messages, so each step goes out once however many replicas there are (escalation.ts).
import { PeriodicTask } from '../common/periodic-task.js';
import { randomUUID } from 'node:crypto';
import client from 'prom-client';
import { redactTarget, type Notifications, type OutboundMessage } from '../notifications/index.js';
import type { Clock } from '../common/clock.js';
import type { Db } from '../storage/index.js';
import { AUDIENCES, type IncidentSettings } from './config.js';
import { noDealers, takeStep, topicOf, type DealerDirectory } from './escalation.js';
import { ackText, dealerNoticeText, dealerResolvedText, resolvedText, type Text } from './messages.js';
import {
  acknowledge,
  addEvent,
  escalating,
  eventsOf,
  getIncident,
  incidentDb,
  lastEventAt,
  listIncidents,
  openIncidentFor,
  openOrJoin,
  resolve,
  stepsOf,
  type IncidentRow,
} from './store.js';
import { toView, type IncidentView, type PublicStatus } from './views.js';
import { CoalescedPass } from '../common/coalesced-pass.js';

export interface IncidentDeps {
  db: Db;
  clock: Clock;
  settings: IncidentSettings;
  notifications: Pick<Notifications, 'enqueue' | 'kick' | 'list' | 'destinationsOf' | 'check'>;
  dealers?: DealerDirectory;
  registry?: client.Registry;
  log?: (msg: string) => void;
}

export interface RaiseInput {
  /** What went wrong, as a stable key: `kill_switch`, `readiness`, `rollback:<trigger>`, `operator:<slug>`. */
  cause: string;
  title: string;
  userFacing: boolean;
  detail?: string | null;
  actor?: string;
}

export class IncidentNotFound extends Error {}

const STATUS_TTL_MS = 2_000;
const REPEAT_EVENT_GAP_MS = 60_000;

export class Incidents {
  readonly replicaId = `${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly dealers: DealerDirectory;
  private readonly passes = new CoalescedPass(() => this.pass());
  // Wakes exactly when the next known step falls due, or at the poll for incidents opened elsewhere.
  private readonly loop = new PeriodicTask({
    clock: { setTimeout: (fn, ms) => this.deps.clock.setTimeout(fn, ms) },
    firstAfterMs: 0,
    run: () => this.tick(),
    everyMs: () => {
      const poll = this.deps.settings.pollMs;
      return this.nextDueAt === null ? poll : Math.max(0, Math.min(poll, this.nextDueAt - this.deps.clock.now()));
    },
    onError: (err) => this.deps.log?.(`incident escalation: ${err instanceof Error ? err.message : String(err)}`),
  });
  private status: { at: number; value: Promise<PublicStatus> } | null = null;
  private readonly stepsTaken: client.Counter<'step' | 'outcome'> | null = null;

  constructor(private readonly deps: IncidentDeps) {
    this.dealers = deps.dealers ?? noDealers;
    const registry = deps.registry;
    if (registry && !registry.getSingleMetric('dealerscope_incident_steps_total')) {
      this.stepsTaken = new client.Counter({
        name: 'dealerscope_incident_steps_total',
        help: 'Escalation steps taken by this replica (step 1–4, outcome)',
        labelNames: ['step', 'outcome'] as const,
        registers: [registry],
      });
      const self = this;
      new client.Gauge({
        name: 'dealerscope_incidents_open',
        help: 'Open incidents (user_facing 1 or 0)',
        labelNames: ['user_facing'] as const,
        registers: [registry],
        async collect() {
          const s = await self.publicStatus().catch(() => null);
          this.reset();
          const open = s?.incidents.filter((i) => !i.resolvedAt) ?? [];
          this.set({ user_facing: '1' }, open.filter((i) => i.userFacing).length);
          this.set({ user_facing: '0' }, open.filter((i) => !i.userFacing).length);
        },
      });
    }
  }

  private get h() {
    return incidentDb(this.deps.db);
  }

  get settings(): IncidentSettings {
    return this.deps.settings;
  }

  // ---- inputs ----

  async raise(input: RaiseInput): Promise<{ incident: IncidentView; joined: boolean }> {
    const now = this.deps.clock.now();
    const actor = input.actor ?? 'system';
    const { row, joined } = await openOrJoin(this.h, {
      cause: input.cause,
      title: input.title.slice(0, 300),
      detail: input.detail?.slice(0, 2000) ?? null,
      userFacing: input.userFacing,
      actor,
      now,
    });
    if (!joined) {
      await addEvent(this.h, {
        incidentId: row.id,
        at: now,
        kind: 'opened',
        actor,
        message: `Opened by ${actor}: ${row.title}${row.detail ? ` — ${row.detail}` : ''}`,
        public: true,
      });
      this.deps.log?.(`incident #${row.id} opened (${row.cause}): ${row.title}`);
    } else {
      const last = await lastEventAt(this.h, row.id, 'repeat');
      if (last === null || now - last >= REPEAT_EVENT_GAP_MS) {
        await addEvent(this.h, {
          incidentId: row.id,
          at: now,
          kind: 'repeat',
          actor,
          message: `Raised again by ${actor}${input.detail ? `: ${input.detail}` : ''}`,
        });
      }
    }
    this.invalidate();
    this.kick();
    return { incident: await this.view(row.id), joined };
  }

  /** The cause is gone: its open incident (if any) resolves and says so where it was heard. */
  async clear(cause: string, why = 'the cause cleared'): Promise<IncidentView | null> {
    const open = await openIncidentFor(this.h, cause);
    if (!open) return null;
    return this.resolveIncident(open.id, 'system', why);
  }

  // ---- operator actions ----

  async acknowledge(id: number, actor: string): Promise<{ incident: IncidentView; changed: boolean }> {
    const row = await getIncident(this.h, id);
    if (!row) throw new IncidentNotFound(`Incident ${id} not found`);
    const now = this.deps.clock.now();
    const told = await this.reachedMessages(row, 'ack', ackText(row, actor), null);
    const changed = await this.deps.db.kysely.transaction().execute(async (trx) => {
      if (!(await acknowledge(incidentDb(trx), id, actor, now))) return false;
      await addEvent(incidentDb(trx), {
        incidentId: id,
        at: now,
        kind: 'acknowledged',
        actor,
        message: `Acknowledged by ${actor}; escalation stopped${notTold(told.refused)}`,
        public: true,
      });
      if (told.messages.length) await this.deps.notifications.enqueue(told.messages, trx);
      return true;
    });
    if (changed) {
      this.deps.notifications.kick();
      this.invalidate();
    }
    return { incident: await this.view(id), changed };
  }

  async resolveIncident(id: number, actor: string, resolution = 'resolved by hand'): Promise<IncidentView> {
    return (await this.resolveIfOpen(id, actor, resolution)).incident;
  }

  /** Resolves the incident unless it is resolved already; says whether this call resolved it. */
  async resolveIfOpen(id: number, actor: string, resolution = 'resolved by hand'): Promise<{ incident: IncidentView; changed: boolean }> {
    const row = await getIncident(this.h, id);
    if (!row) throw new IncidentNotFound(`Incident ${id} not found`);
    const now = this.deps.clock.now();
    const told = await this.reachedMessages(row, 'resolved', resolvedText(row, resolution, now), dealerResolvedText(row, now));
    // The resolution, its timeline entry and the messages saying so commit together: resolved
    // with nobody told (a message the outbox refused after the change), it could never be said.
    const changed = await this.deps.db.kysely.transaction().execute(async (trx) => {
      if (!(await resolve(incidentDb(trx), id, actor, resolution, now))) return false;
      await addEvent(incidentDb(trx), {
        incidentId: id,
        at: now,
        kind: 'resolved',
        actor,
        message: `Resolved by ${actor}: ${resolution}${notTold(told.refused)}`,
        public: true,
      });
      if (told.messages.length) await this.deps.notifications.enqueue(told.messages, trx);
      return true;
    });
    if (changed) {
      this.deps.notifications.kick();
      this.invalidate();
      this.deps.log?.(`incident #${id} resolved by ${actor}: ${resolution}`);
    }
    return { incident: await this.view(id), changed };
  }

  /**
   * The messages that tell every destination a step message of the incident went to; dealers
   * (reached at step 4) get `dealer` instead, when given. A destination the outbox would not take
   * now (its settings changed since, or a CLI reads them differently) is left out and named in
   * `refused`, rather than failing an acknowledgement or resolution half done.
   */
  private async reachedMessages(
    row: IncidentRow,
    purpose: string,
    text: Text,
    dealer: Text | null,
  ): Promise<{ messages: OutboundMessage[]; refused: string[] }> {
    const messages: OutboundMessage[] = [];
    const refused: string[] = [];
    const told = new Set<string>();
    // Operator steps first: a destination that is also a dealer's hears the operator text once.
    for (let step = 1; step <= AUDIENCES.length; step++) {
      const t = AUDIENCES[step - 1] === 'dealers' ? dealer : text;
      if (!t) continue;
      for (const to of await this.deps.notifications.destinationsOf(topicOf(row.id), `step:${step}`)) {
        const target = `${to.kind}:${to.kind === 'webhook' ? to.url : to.address}`;
        if (told.has(target)) continue;
        told.add(target);
        try {
          this.deps.notifications.check(to);
        } catch (err) {
          refused.push(
            `${to.kind} ${redactTarget(to.kind, to.kind === 'webhook' ? to.url : to.address)} (${err instanceof Error ? err.message : String(err)})`,
          );
          continue;
        }
        messages.push({
          to,
          subject: t.subject,
          text: t.text,
          topic: topicOf(row.id),
          purpose,
          dedupeKey: `incident:${row.id}:${purpose}:${target}`,
          fields: { incident: row.id, purpose },
        });
      }
    }
    return { messages, refused };
  }

  // ---- reads ----

  async view(id: number): Promise<IncidentView> {
    const row = await getIncident(this.h, id);
    if (!row) throw new IncidentNotFound(`Incident ${id} not found`);
    return (await this.views([row]))[0];
  }

  async list(f: { status?: 'open' | 'resolved'; limit?: number } = {}): Promise<IncidentView[]> {
    return this.views(await listIncidents(this.h, { status: f.status, limit: Math.min(Math.max(f.limit ?? 50, 1), 500) }));
  }

  private async views(rows: IncidentRow[]): Promise<IncidentView[]> {
    const ids = rows.map((r) => r.id);
    const [events, steps] = await Promise.all([eventsOf(this.h, ids), stepsOf(this.h, ids)]);
    const deliveries = await Promise.all(rows.map((r) => this.deps.notifications.list({ topic: topicOf(r.id), limit: 1000 })));
    return rows.map((r, i) =>
      toView(
        r,
        this.deps.settings.stepsSeconds,
        events.filter((e) => e.incidentId === r.id),
        steps.filter((s) => s.incidentId === r.id),
        deliveries[i],
      ),
    );
  }

  /** What the public status endpoint and dealer pages show; cached for two seconds. */
  publicStatus(): Promise<PublicStatus> {
    const now = this.deps.clock.now();
    if (this.status && now - this.status.at < STATUS_TTL_MS) return this.status.value;
    const value = this.loadPublicStatus(now);
    this.status = { at: now, value };
    value.catch(() => {
      if (this.status?.value === value) this.status = null;
    });
    return value;
  }

  private async loadPublicStatus(now: number): Promise<PublicStatus> {
    const rows = await listIncidents(this.h, { limit: 50, resolvedSince: now - this.deps.settings.resolvedNoticeMs });
    const events = await eventsOf(
      this.h,
      rows.map((r) => r.id),
      true,
    );
    const incidents = rows.map((r) => ({
      id: r.id,
      title: r.title,
      startedAt: new Date(r.opened_at).toISOString(),
      userFacing: r.user_facing === 1,
      resolvedAt: r.resolved_at === null ? null : new Date(r.resolved_at).toISOString(),
      updates: events.filter((e) => e.incidentId === r.id).map((e) => ({ at: new Date(e.at).toISOString(), text: publicText(e) })),
    }));
    const open = rows.filter((r) => r.status === 'open');
    const dealerNotices = rows
      .filter((r) => r.notice_at !== null && r.user_facing === 1)
      .map((r) =>
        r.status === 'open'
          ? { id: r.id, resolved: false, text: dealerNoticeText(r) }
          : { id: r.id, resolved: true, text: dealerResolvedText(r, r.resolved_at!).text },
      );
    return {
      status: open.some((r) => r.user_facing === 1) ? 'incident' : open.length ? 'degraded' : 'ok',
      incidents,
      dealerNotices,
    };
  }

  private invalidate(): void {
    this.status = null;
  }

  // ---- the escalation loop ----

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.passes.settled();
  }

  kick(): void {
    this.loop.kick();
  }

  /** One pass: takes every step that is due and not yet taken; shared by concurrent callers. */
  tick(): Promise<void> {
    return this.passes.run();
  }

  private nextDueAt: number | null = null;

  private async pass(): Promise<void> {
    const open = await escalating(this.h);
    const taken = await stepsOf(
      this.h,
      open.map((i) => i.id),
    );
    const has = new Set(taken.map((s) => `${s.incidentId}:${s.step}`));
    let next: number | null = null;
    const steps = this.deps.settings.stepsSeconds;
    for (const incident of open) {
      for (let step = 1; step <= steps.length; step++) {
        if (has.has(`${incident.id}:${step}`)) continue;
        const due = incident.opened_at + steps[step - 1] * 1000;
        if (due <= this.deps.clock.now()) await this.takeStep(incident, step);
        else next = next === null ? due : Math.min(next, due);
      }
    }
    this.nextDueAt = next;
  }

  private async takeStep(incident: IncidentRow, step: number): Promise<void> {
    const claimed = await takeStep(
      {
        db: this.deps.db,
        settings: this.deps.settings,
        notifications: this.deps.notifications,
        dealers: this.dealers,
        replicaId: this.replicaId,
      },
      incident,
      step,
      this.deps.clock.now(),
    );
    if (claimed === null) return;
    this.stepsTaken?.inc({ step: String(step), outcome: claimed });
    this.deps.notifications.kick();
    this.invalidate();
  }
}

/**
 * An event as the public status shows it: without who acted (an admin token's fingerprint, an
 * operator's name) or which destinations were not told — the admin timeline keeps both.
 */
function publicText(e: { message: string; actor: string | null }): string {
  const text = e.actor ? e.message.replace(` by ${e.actor}`, '') : e.message;
  return text.replace(/; not told: [\s\S]*$/, '');
}

/** The part of a timeline entry naming destinations that could not be told. */
function notTold(refused: string[]): string {
  return refused.length ? `; not told: ${refused.join('; ')}` : '';
}
