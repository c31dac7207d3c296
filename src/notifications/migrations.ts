// The notifications capability's table, written once and rendered with the dialect's column words
// (registered in schema/migrations/history.ts as `notifications_001_outbox`). Timestamps are epoch ms.
import type { DialectWords } from '../storage/index.js';

export function notificationsMigration({ id, big }: DialectWords): string[] {
  return [
    // Every message the service means to send, kept until delivered (and after, as the record of
    // what went out): a restart or a failing endpoint never loses one.
    `CREATE TABLE notification_outbox (
      id ${id},
      kind TEXT NOT NULL,
      target TEXT NOT NULL,
      subject TEXT NOT NULL,
      body TEXT NOT NULL,
      fields_json TEXT,
      topic TEXT NOT NULL,
      purpose TEXT NOT NULL,
      dedupe_key TEXT UNIQUE,
      status TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      next_attempt_at ${big} NOT NULL,
      claimed_by TEXT,
      claim_expires_at ${big},
      created_at ${big} NOT NULL,
      delivered_at ${big},
      updated_at ${big} NOT NULL
    )`,
    `CREATE INDEX notification_outbox_due_idx ON notification_outbox (status, next_attempt_at)`,
    `CREATE INDEX notification_outbox_topic_idx ON notification_outbox (topic, id)`,
  ];
}
