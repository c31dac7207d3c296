// A replica under a simulated clock for rollout tests: the real context on a test database, with
// request traffic, memory and signals driven by the test and the controller's own timer loop.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { loadConfig } from '../../src/config/env.js';
import type { AppContext } from '../../src/http/context.js';
import { createContext } from '../../src/http/service.js';
import { ManualClock } from '../../src/common/clock.js';
import { seededRandom, type Random } from '../../src/common/random.js';
import type { Db } from '../../src/storage/db.js';
import type { HostReading } from '../../src/rollout/platform.js';

/** A host with room to spare: the platform rule's host check finds nothing. */
export const HEALTHY_HOST: HostReading = { loadPerCore: 0.3, ownCpuCores: 0.1, eventLoopP99Ms: 4 };

export interface Traffic {
  /** Requests per simulated second. */
  rps: number;
  /** Latency of request i (ms). */
  latency: (i: number, rnd: Random) => number;
  /** Whether request i fails with a 5xx. */
  error: (i: number, rnd: Random) => boolean;
}

export const HEALTHY_SIGNALS: Record<string, number> = {
  cache_hit_ratio: 0.82,
  breaker_false_positive_ratio: 0.01,
  rate_limit_legitimate_refusal_ratio: 0.001,
  contract_compliance_ratio: 0.97,
  anomaly_false_positive_ratio: 0.005,
  browser_pool_failure_ratio: 0.02,
};

/** Log-normal latency around a median, the usual shape of service response times. */
export function lognormal(rnd: Random, medianMs: number, sigma: number): number {
  const u = Math.max(rnd(), 1e-12);
  const v = rnd();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return medianMs * Math.exp(sigma * z);
}

export const normalTraffic = (rps = 20): Traffic => ({
  rps,
  latency: (_i, rnd) => lognormal(rnd, 40, 0.5),
  error: (_i, rnd) => rnd() < 0.0002,
});

export class SimReplica {
  readonly clock: ManualClock;
  ctx!: AppContext;
  rssMb = 95;
  signals: Record<string, number | null> = { ...HEALTHY_SIGNALS };
  traffic: Traffic = normalTraffic();
  /** What the platform rule reads from the host (the machine running the tests is not it). */
  host: HostReading = { ...HEALTHY_HOST };
  private seq = 0;
  private readonly rnd: Random;

  constructor(seed: number, start = Date.UTC(2026, 5, 1)) {
    this.clock = new ManualClock(start);
    this.rnd = seededRandom(seed);
  }

  async init(db: Db, env: Record<string, string> = {}, fetchImpl?: typeof fetch, log: (msg: string) => void = () => {}): Promise<this> {
    const config = loadConfig({ DEALERSCOPE_ENV: 'production', ADMIN_TOKEN: 'test-admin-token-0123456789', LOG_LEVEL: 'silent', ...env });
    this.ctx = await createContext(config, {
      db,
      clock: this.clock,
      rollout: { memory: () => this.rssMb * 1024 * 1024, fetchImpl, log, host: { read: () => ({ ...this.host }) } },
    });
    for (const name of Object.keys(HEALTHY_SIGNALS)) this.ctx.signals.register(name, () => this.signals[name] ?? null);
    return this;
  }

  /** Moves simulated time `seconds` forward one second at a time, feeding traffic and awaiting evaluations. */
  async run(seconds: number): Promise<void> {
    for (let s = 0; s < seconds; s++) {
      const base = this.clock.now();
      const n = this.traffic.rps >= 1 ? this.traffic.rps : this.rnd() < this.traffic.rps ? 1 : 0;
      for (let k = 0; k < n; k++) {
        const i = this.seq++;
        const at = base + Math.floor((k * 1000) / Math.max(n, 1));
        this.ctx.rollout.measurements.recordRequest(
          'api',
          this.traffic.latency(i, this.rnd),
          this.traffic.error(i, this.rnd) ? 503 : 200,
          at,
        );
      }
      // Real replicas push every two real seconds; simulated seconds pass faster than Redis answers.
      await this.ctx.rollout.measurements.flushFleet();
      this.clock.advance(1000);
      await this.ctx.rollout.settled();
      // Lets the controller's loop schedule its next timer before time moves again.
      await new Promise((r) => setImmediate(r));
    }
  }

  noise(): void {
    this.rssMb = 95 + (this.rnd() - 0.5) * 20;
    for (const [k, v] of Object.entries(HEALTHY_SIGNALS)) {
      // ±20 % jitter around healthy, never across a gate or trigger bound.
      this.signals[k] =
        k === 'cache_hit_ratio' || k === 'contract_compliance_ratio'
          ? Math.min(1, v + (this.rnd() - 0.5) * 0.04)
          : v * (0.8 + this.rnd() * 0.4);
    }
  }
}

export interface Hook {
  url: string;
  received: Array<{ path: string; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** A local stand-in for the Slack-compatible webhooks: one path per channel. */
export async function webhookSink(): Promise<Hook> {
  const received: Hook['received'] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let data = '';
    req.on('data', (c) => {
      data += c;
    });
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(data || '{}') });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise((r) => server.close(() => r())) };
}
