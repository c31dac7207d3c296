// Metrics the observability capability owns besides the HTTP histogram: build info, every
// published signal (so Prometheus rules can alert on the same numbers the rollout gates read),
// and the number of consoles listening to the live alert stream.
import client from 'prom-client';
import type { Signals } from './signals.js';

export interface ServiceMetrics {
  sseClients: client.Gauge;
}

export const SERVICE_VERSION = '5.0.0';

export function registerServiceMetrics(registry: client.Registry, signals: Signals): ServiceMetrics {
  const build = new client.Gauge({
    name: 'dealerscope_build_info',
    help: 'Constant 1, labelled with the running version and Node.js version',
    labelNames: ['version', 'node_version'] as const,
    registers: [registry],
  });
  build.set({ version: SERVICE_VERSION, node_version: process.versions.node }, 1);

  new client.Gauge({
    name: 'dealerscope_signal_value',
    help: 'Live measurements the rollout gates read (ratios 0-1, seconds); absent while a signal has too little data',
    labelNames: ['signal'] as const,
    registers: [registry],
    collect() {
      this.reset();
      // Signal names are registered in code, so this label stays bounded.
      for (const name of signals.names()) {
        const v = signals.read(name);
        if (v !== null) this.set({ signal: name }, v);
      }
    },
  });

  const sseClients = new client.Gauge({
    name: 'dealerscope_console_sse_clients',
    help: 'SRE consoles currently connected to the live alert stream',
    registers: [registry],
  });
  return { sseClients };
}
