// The detector against the committed labelled set: the phase-3 gate (false positives < 1 %) and
// recall ≥ 90 %, computed by the real detector on rows read by the real feed reader.
import { describe, expect, it } from 'vitest';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { evaluateDetector, loadEvalSet } from '../src/cli/anomaly-evaluation.js';

describe('anomaly detector on the labelled evaluation set', () => {
  const set = loadEvalSet();
  const result = evaluateDetector(set, defaultArbitrageParams());

  it('is big enough to prove the gate (rule of three needs ≥ 300 clean, ≥ 50 anomalies)', () => {
    expect(result.clean).toBeGreaterThanOrEqual(300);
    expect(result.anomalies).toBeGreaterThanOrEqual(50);
    expect(Object.keys(result.recallByKind).length).toBeGreaterThanOrEqual(6);
    expect(result.clean + result.anomalies).toBe(set.listings.length);
  });

  it('keeps false positives under 1 %', () => {
    expect(result.falsePositiveRate, JSON.stringify(result.falsePositiveDetails)).toBeLessThan(0.01);
  });

  it('finds at least 90 % of the injected anomalies, and every kind at least once', () => {
    expect(result.recall, JSON.stringify(result.recallByKind)).toBeGreaterThanOrEqual(0.9);
    for (const [kind, k] of Object.entries(result.recallByKind)) expect(k.detected, kind).toBeGreaterThan(0);
  });
});
