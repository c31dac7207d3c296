// `dealerscope incidents list|ack|resolve`: works on the database directly (DATABASE_URL), so it
// answers while the service is struggling. Messages it causes (acknowledgement, resolution) go
// into the outbox and are delivered by the running service's worker.
// Exit codes: 0 done, 1 could not run, 2 refused (no such incident, already acknowledged or closed).
import type { Command } from 'commander';
import { incidentSettings, IncidentNotFound, Incidents, type IncidentView } from '../incidents/index.js';
import { notificationSettings, Notifications } from '../notifications/index.js';
import { systemClock } from '../common/clock.js';
import type { Db } from '../storage/index.js';
import { withDb } from './with-db.js';

export const INCIDENTS_EXIT = { ok: 0, failed: 1, refused: 2 } as const;

function service(db: Db): Incidents {
  const settings = notificationSettings(process.env);
  const notifications = new Notifications({ db, clock: systemClock, settings });
  return new Incidents({ db, clock: systemClock, settings: incidentSettings(process.env, settings.allowPrivate), notifications });
}

function idArg(raw: string): number {
  if (!/^[1-9][0-9]{0,14}$/.test(raw)) throw new Error(`incident id must be a positive integer, got "${raw}"`);
  return Number(raw);
}

export function formatIncident(i: IncidentView, withTimeline: boolean): string {
  const state =
    i.status === 'resolved'
      ? `resolved ${i.resolvedAt} by ${i.resolvedBy} (${i.resolution})`
      : i.acknowledgedAt
        ? `open, acknowledged ${i.acknowledgedAt} by ${i.acknowledgedBy}`
        : 'open, escalating';
  const lines = [`#${i.id} [${i.cause}] ${i.title} — started ${i.startedAt}${i.userFacing ? ', user-facing' : ''}; ${state}`];
  for (const s of i.steps)
    lines.push(
      `    step ${s.step} ${s.audience.padEnd(11)} due ${s.dueAt}  ${s.takenAt ? `taken ${s.takenAt}: ${s.outcome}` : 'not taken'}`,
    );
  if (withTimeline) for (const t of i.timeline) lines.push(`    ${t.at} ${t.kind}${t.step ? ` (step ${t.step})` : ''}: ${t.message}`);
  return lines.join('\n');
}

export function registerIncidentCommands(program: Command): void {
  const incidents = program
    .command('incidents')
    .description('incidents: list, acknowledge (stops escalation), resolve (tells every channel reached)');
  incidents
    .command('list')
    .description('open incidents (or all with --all), with their escalation steps')
    .option('--all', 'include resolved incidents')
    .option('--timeline', 'print every step, delivery, acknowledgement and resolution')
    .option('--limit <n>', 'at most this many (1–500)', '50')
    .option('--json', 'print JSON on stdout')
    .action(async (opts: { all?: boolean; timeline?: boolean; limit: string; json?: boolean }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new Error('--limit must be an integer 1–500');
      const items = await withDb((db) => service(db).list({ status: opts.all ? undefined : 'open', limit }));
      if (opts.json) {
        console.log(JSON.stringify({ items }));
        return;
      }
      if (items.length === 0) console.log(opts.all ? 'no incidents' : 'no open incidents');
      for (const i of items) console.log(formatIncident(i, opts.timeline ?? false));
    });

  const act = (name: 'ack' | 'resolve') => async (raw: string, opts: { actor: string; note?: string; json?: boolean }) => {
    const id = idArg(raw);
    const actor = `cli:${opts.actor}`;
    try {
      const res = await withDb(async (db) => {
        const s = service(db);
        if (name === 'ack') return s.acknowledge(id, actor);
        return s.resolveIfOpen(id, actor, opts.note?.trim() ? `resolved by hand: ${opts.note.trim()}` : undefined);
      });
      if (opts.json) console.log(JSON.stringify(res));
      else
        console.log(
          res.changed
            ? formatIncident(res.incident, false)
            : `incident #${id} was not changed: it is ${res.incident.status}${res.incident.acknowledgedAt ? `, acknowledged ${res.incident.acknowledgedAt} by ${res.incident.acknowledgedBy}` : ''}`,
        );
      process.exitCode = res.changed ? INCIDENTS_EXIT.ok : INCIDENTS_EXIT.refused;
    } catch (err) {
      if (!(err instanceof IncidentNotFound)) throw err;
      process.stderr.write(`dealerscope: ${err.message}\n`);
      process.exitCode = INCIDENTS_EXIT.refused;
    }
  };
  incidents
    .command('ack')
    .description(
      'acknowledge an incident: escalation stops; the channels already reached are told. Exit 2 when it was already acknowledged, closed or unknown',
    )
    .argument('<id>', 'incident id (see `incidents list`)')
    .option('--actor <name>', 'who is acknowledging, for the record', process.env.USER ?? 'operator')
    .option('--json', 'print JSON on stdout')
    .action(act('ack'));
  incidents
    .command('resolve')
    .description(
      'resolve an incident: every channel it reached is told, dealer notices turn to "resolved". Exit 2 when it was already resolved or unknown',
    )
    .argument('<id>', 'incident id (see `incidents list`)')
    .option('--actor <name>', 'who is resolving, for the record', process.env.USER ?? 'operator')
    .option('--note <text>', 'what fixed it')
    .option('--json', 'print JSON on stdout')
    .action(act('resolve'));
}
