// Delivers the outbox. Each replica runs a worker that wakes on its own enqueues and every
// `pollMs` for the rest; each due message is claimed by one worker, sent through its endpoint's
// circuit breaker with a bounded timeout, and on failure rescheduled with exponential backoff
// (cockatiel) until `maxAttempts`, then parked as `dead` — listed, never dropped. Endpoints are
// worked in parallel, so one that hangs only delays its own messages; callers only ever insert a
// row, so a failing endpoint never blocks them.
import { PeriodicTask } from '../common/periodic-task.js';
import { randomUUID } from 'node:crypto';
import { ExponentialBackoff, type GeneratorFn, type IBackoff } from 'cockatiel';
import type { Kysely } from 'kysely';
import client from 'prom-client';
import type { Clock } from '../common/clock.js';
import type { Random } from '../common/random.js';
import type { Db } from '../storage/index.js';
import type { NotificationSettings } from './config.js';
import { breakerName, checkDestination, destinationOf, type Destination } from './destinations.js';
import {
  claimRow,
  countByStatus,
  destinationsOf,
  dueRows,
  enqueueRows,
  listDeliveries,
  markDelivered,
  markFailed,
  outboxDb,
  retryRow,
  type Delivery,
  type ListFilter,
  type OutboundMessage,
  type OutboxRow,
} from './outbox.js';
import { createSenders, DeliveryError, type Senders } from './senders.js';
import { CoalescedPass } from '../common/coalesced-pass.js';

/** The shape of `ctx.breakers.get(name)`: runs the call or refuses while the circuit is open. */
export interface BreakerLike {
  execute<T>(fn: () => Promise<T>): Promise<T>;
}

export interface NotificationDeps {
  db: Db;
  clock: Clock;
  settings: NotificationSettings;
  /** The endpoint's breaker (webhook host or SMTP relay); none means calls go straight out. */
  breakerFor?: (name: string) => BreakerLike | null;
  random?: Random;
  registry?: client.Registry;
  /** Tests replace the network senders. */
  senders?: Senders;
  log?: (msg: string) => void;
}

const BATCH = 100;

interface WorkerMetrics {
  attempts: client.Counter<'kind' | 'result'>;
}

function metricsOn(registry: client.Registry | undefined, db: Db): WorkerMetrics | null {
  if (!registry) return null;
  const existing = registry.getSingleMetric('dealerscope_notification_attempts_total') as client.Counter<'kind' | 'result'> | undefined;
  if (existing) return { attempts: existing };
  let cached: { at: number; counts: Record<string, number> } | null = null;
  new client.Gauge({
    name: 'dealerscope_notification_outbox',
    help: 'Messages in the notification outbox by status (dead = gave up after NOTIFY_MAX_ATTEMPTS; retry by hand)',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      // Scrapes are frequent and the answer changes slowly; one count per 10 s is enough.
      if (!cached || Date.now() - cached.at > 10_000) {
        const counts = await countByStatus(outboxDb(db)).catch(() => null);
        if (counts) cached = { at: Date.now(), counts };
      }
      this.reset();
      for (const [status, n] of Object.entries(cached?.counts ?? {})) this.set({ status }, n);
    },
  });
  return {
    attempts: new client.Counter({
      name: 'dealerscope_notification_attempts_total',
      help: 'Delivery attempts by destination kind and result (delivered, retry, dead)',
      labelNames: ['kind', 'result'] as const,
      registers: [registry],
    }),
  };
}

export class Notifications {
  readonly workerId = `${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly senders: Senders;
  private readonly backoff: ExponentialBackoff<number>;
  private readonly metrics: WorkerMetrics | null;
  private readonly passes = new CoalescedPass(() => this.pass());
  private readonly loop = new PeriodicTask({
    clock: { setTimeout: (fn, ms) => this.deps.clock.setTimeout(fn, ms) },
    firstAfterMs: 0,
    everyMs: () => this.deps.settings.pollMs,
    run: () => this.drain(),
    onError: (err) => this.deps.log?.(`notification worker: ${err instanceof Error ? err.message : String(err)}`),
  });

  constructor(private readonly deps: NotificationDeps) {
    this.senders = deps.senders ?? createSenders(deps.settings);
    const random = deps.random ?? Math.random;
    // "Equal jitter" from the injected random source: half the exponential delay fixed, half random.
    const generator: GeneratorFn<number> = (attempt, o) => {
      const n = (attempt ?? 0) + 1;
      const ceiling = Math.min(o.maxDelay, o.initialDelay * o.exponent ** (n - 1));
      return [ceiling / 2 + random() * (ceiling / 2), n];
    };
    this.backoff = new ExponentialBackoff({
      initialDelay: deps.settings.backoffMs,
      maxDelay: deps.settings.maxBackoffMs,
      exponent: 2,
      generator,
    });
    this.metrics = metricsOn(deps.registry, deps.db);
  }

  get settings(): NotificationSettings {
    return this.deps.settings;
  }

  /** Throws InvalidDestinationError for a destination that may not be used. */
  check(to: Destination): void {
    checkDestination(to, this.deps.settings.allowPrivate);
  }

  /**
   * Records messages for delivery. With `trx`, inside the caller's transaction (call `kick()`
   * after it commits); without, the worker is woken at once. Returns the new rows' ids.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the caller's transaction, whatever tables it is typed over
  async enqueue(messages: OutboundMessage[], trx?: Kysely<any>): Promise<number[]> {
    for (const m of messages) this.check(m.to);
    const ids = await enqueueRows(outboxDb(trx ?? this.deps.db), messages, this.deps.clock.now());
    if (!trx) this.kick();
    return ids;
  }

  list(filter: ListFilter = {}): Promise<Delivery[]> {
    return listDeliveries(outboxDb(this.deps.db), filter);
  }

  /** Every destination messages of `topic` with a purpose starting `purposePrefix` went to. */
  destinationsOf(topic: string, purposePrefix: string): Promise<Destination[]> {
    return destinationsOf(outboxDb(this.deps.db), topic, purposePrefix);
  }

  async retry(id: number): Promise<boolean> {
    const ok = await retryRow(outboxDb(this.deps.db), id, this.deps.clock.now());
    if (ok) this.kick();
    return ok;
  }

  /** Delay before attempt `attempts + 1`, from cockatiel's exponential backoff. */
  backoffMs(attempts: number): number {
    let b: IBackoff<unknown> = this.backoff.next();
    for (let i = 1; i < attempts; i++) b = b.next(undefined);
    return Math.round(b.duration);
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.passes.settled();
    await this.senders.close();
  }

  /** Wakes the worker now (after a commit that enqueued messages). */
  kick(): void {
    this.loop.kick();
  }

  /** One pass over what is due now; concurrent callers share it, and a kick during it runs another. */
  drain(): Promise<void> {
    return this.passes.run();
  }

  private async pass(): Promise<void> {
    const h = outboxDb(this.deps.db);
    const rows = await dueRows(h, this.deps.clock.now(), BATCH);
    const byEndpoint = new Map<string, OutboxRow[]>();
    for (const r of rows) {
      const key = breakerName(r.kind, r.target, this.deps.settings.smtpUrl);
      byEndpoint.set(key, [...(byEndpoint.get(key) ?? []), r]);
    }
    await Promise.all(
      [...byEndpoint].map(async ([endpoint, list]) => {
        for (const row of list) await this.attempt(endpoint, row);
      }),
    );
  }

  private async attempt(endpoint: string, row: OutboxRow): Promise<void> {
    const h = outboxDb(this.deps.db);
    const s = this.deps.settings;
    // Long enough for the send's own timeout; a worker that dies mid-send frees the row after it.
    if (!(await claimRow(h, row.id, this.workerId, this.deps.clock.now(), s.timeoutMs * 2 + 5_000))) return;
    const attempts = row.attempts + 1;
    const to = destinationOf(row.kind, row.target);
    const msg = {
      subject: row.subject,
      text: row.body,
      fields: row.fields_json ? (JSON.parse(row.fields_json) as Record<string, unknown>) : null,
    };
    // A permanent refusal is returned, not thrown, so it does not count against the endpoint's breaker.
    const send = async (): Promise<DeliveryError | null> => {
      try {
        await this.senders.send(to, msg);
        return null;
      } catch (err) {
        if (err instanceof DeliveryError && !err.retryable) return err;
        throw err;
      }
    };
    let error: string | null = null;
    let retryable = true;
    try {
      const breaker = this.deps.breakerFor?.(endpoint) ?? null;
      const permanent = breaker ? await breaker.execute(send) : await send();
      if (permanent) {
        error = permanent.message;
        retryable = false;
      }
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const now = this.deps.clock.now();
    if (error === null) {
      await markDelivered(h, row.id, this.workerId, attempts, now);
      this.metrics?.attempts.inc({ kind: row.kind, result: 'delivered' });
      return;
    }
    const next = retryable && attempts < s.maxAttempts ? now + this.backoffMs(attempts) : null;
    await markFailed(h, row.id, this.workerId, attempts, error, next, now);
    this.metrics?.attempts.inc({ kind: row.kind, result: next === null ? 'dead' : 'retry' });
    if (next === null) this.deps.log?.(`notification ${row.id} to ${endpoint} parked after ${attempts} attempt(s): ${error}`);
  }
}
