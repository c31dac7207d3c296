// The in-process alert stream the SRE console shows live (over SSE): SLO watch transitions,
// rollout breaches and decisions. Keeps a short history so a freshly opened console is not blank.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import client from 'prom-client';
import type { Clock } from '../common/clock.js';

export type AlertSeverity = 'critical' | 'warning' | 'info';
/** The three notification channels: critical alerts, deployments (rollout changes), performance (SLO breaches). */
export type AlertChannel = 'alerts' | 'deployments' | 'performance';

export interface Alert {
  id: string;
  at: number;
  severity: AlertSeverity;
  channel: AlertChannel;
  /** Where it came from: `slo-watch`, `rollout`, … */
  source: string;
  title: string;
  detail?: string;
  /** True for a "back to normal" notice. */
  resolved?: boolean;
}

export type AlertInput = Omit<Alert, 'id' | 'at'> & { at?: number };

export class AlertFeed extends EventEmitter {
  private readonly history: Alert[] = [];
  private readonly counter: client.Counter<'severity' | 'channel'>;

  constructor(
    private readonly clock: Clock,
    registry: client.Registry,
    private readonly keep = 200,
  ) {
    super();
    this.counter = new client.Counter({
      name: 'dealerscope_alerts_total',
      help: 'Alerts raised in this process by severity and notification channel',
      labelNames: ['severity', 'channel'] as const,
      registers: [registry],
    });
  }

  publish(input: AlertInput): Alert {
    const alert: Alert = { ...input, id: randomUUID(), at: input.at ?? this.clock.now() };
    this.history.push(alert);
    if (this.history.length > this.keep) this.history.splice(0, this.history.length - this.keep);
    this.counter.inc({ severity: alert.severity, channel: alert.channel });
    this.emit('alert', alert);
    return alert;
  }

  /** Newest first. */
  recent(limit = 50): Alert[] {
    return this.history.slice(-limit).reverse();
  }

  subscribe(fn: (a: Alert) => void): () => void {
    this.on('alert', fn);
    return () => this.off('alert', fn);
  }
}
