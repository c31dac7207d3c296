import { describe, expect, it } from 'vitest';
import { FrequencySketch } from './frequency-sketch.js';
import { popularityKey } from '../opportunities/index.js';

describe('frequency sketch', () => {
  it('counts each key without undercounting, up to the 4-bit ceiling', () => {
    const s = new FrequencySketch(1000);
    for (let k = 0; k < 200; k++) for (let i = 0; i < k % 9; i++) s.increment(`r:pg:${k}`);
    for (let k = 0; k < 200; k++) expect(s.frequency(`r:pg:${k}`)).toBeGreaterThanOrEqual(k % 9);
    // With far fewer keys than counters, estimates are exact for almost every key.
    const exact = Array.from({ length: 200 }, (_, k) => s.frequency(`r:pg:${k}`) === k % 9).filter(Boolean).length;
    expect(exact).toBeGreaterThanOrEqual(195);
    for (let i = 0; i < 40; i++) s.increment('hot');
    expect(s.frequency('hot')).toBe(15);
  });

  it('after a window full of one-off keys, a key asked for three times still stands out', () => {
    const capacity = 2000;
    const s = new FrequencySketch(capacity);
    // Just under the aging point: ten one-off keys per entry, as a detail-heavy window brings.
    for (let i = 0; i < capacity * 10 - 1; i++) s.increment(`d:${i}`);
    const unseen = Array.from({ length: 5000 }, (_, i) => s.frequency(`unseen:${i}`));
    // Shared counters lift some estimates of keys never asked for, but never to three, and rarely to two.
    expect(Math.max(...unseen)).toBeLessThan(3);
    expect(unseen.filter((f) => f === 2).length).toBeLessThan(500);
  });

  it('halves every count once the window of additions is full, so old popularity fades', () => {
    const s = new FrequencySketch(16);
    for (let i = 0; i < 12; i++) s.increment('old');
    expect(s.frequency('old')).toBe(12);
    // The 160th addition (ten per entry) ages the table.
    for (let i = 0; i < 160 - 12; i++) s.increment(`filler:${i}`);
    expect(s.frequency('old')).toBe(6);
  });

  it('starts afresh when resized, and keeps its counts when the size is unchanged', () => {
    const s = new FrequencySketch(100);
    for (let i = 0; i < 5; i++) s.increment('k');
    s.resize(100);
    expect(s.frequency('k')).toBe(5);
    s.resize(400);
    expect(s.frequency('k')).toBe(0);
  });
});

describe('popularity key', () => {
  it('drops the data version, so a query keeps its popularity across ingests', () => {
    expect(popularityKey('v12:pg:abc')).toBe('pg:abc');
    expect(popularityKey('r:v12:pg:abc')).toBe('r:pg:abc');
    expect(popularityKey('r:v3:d:42')).toBe(popularityKey('r:v4:d:42'));
    expect(popularityKey('v3:d:42')).not.toBe(popularityKey('r:v3:d:42'));
  });
});
