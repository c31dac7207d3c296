// Row types of the incidents capability's tables, for `db.kysely.withTables<IncidentTables>()`.
import type { Generated } from 'kysely';

export type IncidentStatus = 'open' | 'resolved';
export type EventKind = 'opened' | 'repeat' | 'step' | 'notice' | 'acknowledged' | 'resolved';

export interface IncidentsTable {
  id: Generated<number>;
  cause: string;
  open_key: string | null;
  title: string;
  detail: string | null;
  user_facing: number;
  status: IncidentStatus;
  opened_at: number;
  opened_by: string;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  resolved_at: number | null;
  resolved_by: string | null;
  resolution: string | null;
  notice_at: number | null;
  updated_at: number;
}

export interface IncidentEventsTable {
  id: Generated<number>;
  incident_id: number;
  at: number;
  kind: EventKind;
  step: number | null;
  actor: string | null;
  message: string;
  public: number;
}

export interface IncidentStepsTable {
  incident_id: number;
  step: number;
  claimed_at: number;
  claimed_by: string;
  outcome: string;
}

export interface IncidentReplicaHealthTable {
  replica_id: string;
  ready: number;
  failing_since: number | null;
  detail: string | null;
  seen_at: number;
}

// A type alias (not an interface) so Kysely's withTables accepts it.
export type IncidentTables = {
  incidents: IncidentsTable;
  incident_events: IncidentEventsTable;
  incident_steps: IncidentStepsTable;
  incident_replica_health: IncidentReplicaHealthTable;
};
