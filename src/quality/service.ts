// The quality capability as the HTTP layer and CLI see it: arbitrage parameters for
// re-appraisals and the monitor behind /api/quality, the signals and the metrics.
import { loadArbitrageParams, type ArbitrageParams } from '../config/index.js';
import type { Registry } from 'prom-client';
import type { Signals } from '../observability/index.js';
import type { Clock } from '../common/clock.js';
import type { Db } from '../storage/index.js';
import { QualityMonitor } from './monitor.js';

export interface QualityService {
  params: ArbitrageParams;
  monitor: QualityMonitor;
}

export function createQualityService(
  db: Db,
  clock: Clock,
  signals: Signals,
  registry: Registry,
  params: ArbitrageParams = loadArbitrageParams(),
): QualityService {
  const monitor = new QualityMonitor(db, clock);
  monitor.registerSignals(signals);
  monitor.registerMetrics(registry);
  return { params, monitor };
}
