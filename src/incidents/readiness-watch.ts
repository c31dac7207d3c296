// "/readyz failing on every replica for 60 s": each replica records its own readiness in the
// shared database every interval; any replica that then sees every live replica failing for the
// whole window raises the incident (the cause key makes the replicas' raises one incident), and
// the first replica to be ready again clears it.
//
// When the database itself is what fails, no replica can record anything there: that outage
// opens no incident here (nothing could be stored), and is left to the Prometheus alert on
// /readyz. A replica that cannot write keeps its own failing-since and reports it once it can.
import { PeriodicTask } from '../common/periodic-task.js';
import type { Clock } from '../common/clock.js';
import type { Db } from '../storage/index.js';
import { incidentDb } from './store.js';

export const READINESS_CAUSE = 'readiness';

export interface ReadinessWatchDeps {
  db: Db;
  clock: Clock;
  replicaId: string;
  /** This replica's readiness (the same report /readyz serves). */
  report(): Promise<{ ready: boolean; detail?: string }>;
  intervalMs: number;
  windowMs: number;
  raise(input: { cause: string; title: string; userFacing: boolean; detail: string; actor: string }): Promise<unknown>;
  clear(cause: string, why: string): Promise<unknown>;
  log?: (msg: string) => void;
}

export class ReadinessWatch {
  private failingSince: number | null = null;
  private readonly loop: PeriodicTask;

  constructor(private readonly d: ReadinessWatchDeps) {
    this.loop = new PeriodicTask({
      clock: d.clock,
      firstAfterMs: 0,
      everyMs: d.intervalMs,
      run: () => this.check(),
      onError: (err) => d.log?.(`readiness watch: ${err instanceof Error ? err.message : String(err)}`),
    });
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    // A replica that leaves on purpose must not count as a failing one.
    await incidentDb(this.d.db)
      .deleteFrom('incident_replica_health')
      .where('replica_id', '=', this.d.replicaId)
      .execute()
      .catch(() => undefined);
  }

  /** One sample: record this replica, then judge the fleet. */
  async check(): Promise<void> {
    const now = this.d.clock.now();
    const r = await this.d.report().catch((err: Error) => ({ ready: false, detail: err.message }));
    if (r.ready) this.failingSince = null;
    else this.failingSince ??= now;
    const h = incidentDb(this.d.db);
    const row = { ready: r.ready ? 1 : 0, failing_since: this.failingSince, detail: r.detail?.slice(0, 500) ?? null, seen_at: now };
    await h
      .insertInto('incident_replica_health')
      .values({ replica_id: this.d.replicaId, ...row })
      .onConflict((oc) => oc.column('replica_id').doUpdateSet(row))
      .execute();
    // Live = seen within three intervals; a replica that stopped reporting is gone, not failing.
    const live = await h
      .selectFrom('incident_replica_health')
      .selectAll()
      .where('seen_at', '>=', now - 3 * this.d.intervalMs)
      .execute();
    if (live.length === 0) return;
    const failing = live.filter((x) => Number(x.ready) === 0);
    if (failing.length < live.length) {
      await this.d.clear(READINESS_CAUSE, `/readyz answers ready again on ${live.length - failing.length} of ${live.length} replica(s)`);
      return;
    }
    const since = Math.max(...failing.map((x) => Number(x.failing_since ?? now)));
    if (now - since < this.d.windowMs) return;
    const reasons = [...new Set(failing.map((x) => x.detail).filter(Boolean))].join('; ');
    await this.d.raise({
      cause: READINESS_CAUSE,
      title: 'Service not ready on every replica',
      userFacing: true,
      actor: `replica ${this.d.replicaId}`,
      detail: `/readyz has failed on all ${live.length} replica(s) for ${Math.round((now - since) / 1000)} s${reasons ? `: ${reasons}` : ''}`,
    });
  }
}
