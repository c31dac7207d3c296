// Row types of the notifications capability's table, for `db.kysely.withTables<NotificationTables>()`.
import type { Generated } from 'kysely';

export type DeliveryStatus = 'pending' | 'sending' | 'delivered' | 'dead';
export type DestinationKind = 'webhook' | 'email';

export interface NotificationOutboxTable {
  id: Generated<number>;
  kind: DestinationKind;
  /** Webhook URL or e-mail address. */
  target: string;
  subject: string;
  body: string;
  fields_json: string | null;
  /** What the message belongs to (`incident:12`): a timeline reads its deliveries by topic. */
  topic: string;
  /** Why it was sent (`step:2`, `resolved`, …). */
  purpose: string;
  dedupe_key: string | null;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  next_attempt_at: number;
  claimed_by: string | null;
  claim_expires_at: number | null;
  created_at: number;
  delivered_at: number | null;
  updated_at: number;
}

// A type alias (not an interface) so Kysely's withTables accepts it.
export type NotificationTables = {
  notification_outbox: NotificationOutboxTable;
};
