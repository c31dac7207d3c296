import { describe, expect, it } from 'vitest';
import { parseListQuery } from './list-query.js';

describe('the source filter', () => {
  it('reads a source name as the import does: "GSA Auctions" and "GovDeals.com" find gsa and govdeals', () => {
    const source = (s: string) => {
      const r = parseListQuery({ source: s }, true);
      return r.ok ? r.query.filters.source : null;
    };
    expect(source('GSA Auctions')).toBe('gsa');
    expect(source('gsa')).toBe('gsa');
    expect(source('GovDeals.com')).toBe('govdeals');
    expect(source('PublicSurplus.com')).toBe('publicsurplus');
    expect(source('Copart')).toBe('copart');
  });
});
