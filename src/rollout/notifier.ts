// Slack-compatible webhook notifications by channel (critical → alerts, phase changes →
// deployments, SLO violations → performance). A webhook that is down must never hold up a
// rollback: each post has a bounded timeout, goes through the channel's circuit breaker when the
// resilience capability provides one, and a failure is counted, not thrown.
import type { AlertChannel } from './triggers.js';

export interface WebhookBreakers {
  get(name: string): { execute<T>(fn: () => Promise<T>): Promise<T> };
}

export interface Notification {
  channel: AlertChannel;
  text: string;
  /** Extra structured fields; Slack ignores what it does not know. */
  fields?: Record<string, unknown>;
}

export interface NotifierOptions {
  urls: Partial<Record<AlertChannel, string>>;
  timeoutMs?: number;
  breakers?: WebhookBreakers | null;
  fetchImpl?: typeof fetch;
}

export interface NotifyResult {
  channel: AlertChannel;
  delivered: boolean;
  error?: string;
}

export function webhookUrlsFromEnv(env: NodeJS.ProcessEnv): Partial<Record<AlertChannel, string>> {
  const pick = (k: string) => env[k]?.trim() || undefined;
  return {
    alerts: pick('ALERT_WEBHOOK_ALERTS'),
    deployments: pick('ALERT_WEBHOOK_DEPLOYMENTS'),
    performance: pick('ALERT_WEBHOOK_PERFORMANCE'),
  };
}

export class WebhookNotifier {
  readonly sent = { ok: 0, failed: 0 };
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly opts: NotifierOptions) {
    this.timeoutMs = opts.timeoutMs ?? 3000;
    this.fetchImpl = opts.fetchImpl ?? fetch;
  }

  async notify(n: Notification): Promise<NotifyResult> {
    const url = this.opts.urls[n.channel];
    if (!url) return { channel: n.channel, delivered: false, error: 'no webhook configured' };
    const post = async () => {
      const res = await this.fetchImpl(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: n.text, channel: n.channel, ...n.fields }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) throw new Error(`webhook answered ${res.status}`);
    };
    try {
      const breaker = this.opts.breakers?.get(`webhook:${n.channel}`);
      await (breaker ? breaker.execute(post) : post());
      this.sent.ok++;
      return { channel: n.channel, delivered: true };
    } catch (err) {
      this.sent.failed++;
      return { channel: n.channel, delivered: false, error: err instanceof Error ? err.message : String(err) };
    }
  }
}
