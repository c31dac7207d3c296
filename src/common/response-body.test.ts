import { describe, expect, it } from 'vitest';
import { wantsGzip } from './response-body.js';

describe('wantsGzip', () => {
  it.each([
    ['gzip', true],
    ['GZIP, deflate', true],
    ['gzip, deflate, br', true],
    ['x-gzip', true],
    ['*', true],
    ['identity', false],
    ['br', false],
    ['gzip;q=0, *', false],
    ['*, gzip;q=0', false],
    ['gzip; q=0', false],
    ['gzip;q=0.5, identity', false],
    ['gzip;q=0.8, identity;q=0.5', true],
  ])('%s → %s', (accept, gzip) => {
    expect(wantsGzip(accept)).toBe(gzip);
  });
});
