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

describe('the state filter', () => {
  const parse = (state: string, strict: boolean) => parseListQuery({ state }, strict);

  it('takes any US state, DC or territory code in any case', () => {
    for (const [given, code] of [
      ['tx', 'TX'],
      [' Ca ', 'CA'],
      ['dc', 'DC'],
      ['PR', 'PR'],
    ]) {
      const r = parse(given!, true);
      expect(r.ok && r.query.filters.state).toBe(code);
    }
  });

  it('refuses a code no listing can carry, naming it, rather than answering an empty market', () => {
    for (const given of ['XX', 'zz', 'Texas', 'T1']) {
      const r = parse(given, true);
      expect(r.ok).toBe(false);
      if (!r.ok)
        expect(r.errors).toEqual([{ field: 'state', message: `${JSON.stringify(given)} is not a US state, DC or territory code` }]);
    }
  });

  it('reads a stored saved search leniently: an unknown code matches nothing instead of failing', () => {
    const stored = parse('XX', false);
    expect(stored.ok && stored.query.filters.state).toBe('XX');
    const unreadable = parse('Texas', false);
    expect(unreadable.ok && unreadable.query.filters.state).toBe('??');
  });
});
