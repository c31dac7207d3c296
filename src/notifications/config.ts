// Delivery settings from the environment. A wrong value stops the start with a message naming
// the variable, so a replica never runs with alerts silently misconfigured.
import { envBool, envInt } from '../common/env.js';

export interface NotificationSettings {
  /** `smtp://user:pass@host:port` or `smtps://…`; e-mail destinations need it. */
  smtpUrl: string | null;
  /** Envelope and header sender of every e-mail. */
  emailFrom: string;
  /** Lets webhooks reach private and loopback addresses (tests, an in-cluster relay). */
  allowPrivate: boolean;
  /** Per delivery attempt, connect to answer. */
  timeoutMs: number;
  /** Attempts before a message is parked as `dead` (still listed, retried by hand). */
  maxAttempts: number;
  /** First retry delay; doubles per attempt up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
  /** How often a replica looks for due messages enqueued elsewhere (CLI, other replicas, retries). */
  pollMs: number;
}

export function notificationSettings(env: NodeJS.ProcessEnv): NotificationSettings {
  const smtpUrl = env.SMTP_URL?.trim() || null;
  if (smtpUrl && !/^smtps?:\/\/[^/]+/i.test(smtpUrl))
    throw new Error(
      `SMTP_URL must look like smtp://host:port or smtps://user:pass@host:port, got "${smtpUrl.replace(/\/\/[^@/]*@/, '//…@')}"`,
    );
  const allowPrivate = envBool(env, 'ALERT_WEBHOOK_ALLOW_PRIVATE', false);
  const emailFrom = env.ALERT_EMAIL_FROM?.trim() || 'DealerScope <dealerscope@localhost>';
  if (!/@/.test(emailFrom)) throw new Error(`ALERT_EMAIL_FROM must be an e-mail address, got "${emailFrom}"`);
  const backoffMs = envInt(env, 'NOTIFY_BACKOFF_MS', 2_000, 10, 3_600_000);
  return {
    smtpUrl,
    emailFrom,
    allowPrivate,
    timeoutMs: envInt(env, 'NOTIFY_TIMEOUT_MS', 5_000, 100, 120_000),
    maxAttempts: envInt(env, 'NOTIFY_MAX_ATTEMPTS', 12, 1, 1_000),
    backoffMs,
    maxBackoffMs: Math.max(backoffMs, envInt(env, 'NOTIFY_MAX_BACKOFF_MS', 600_000, 10, 86_400_000)),
    pollMs: envInt(env, 'NOTIFY_POLL_MS', 2_000, 10, 600_000),
  };
}
