// The opportunity page stays cheap to render (the comparables beyond the first few wait in a closed
// <details>) without dropping anything it must show: every comparable sale, the cost breakdown,
// the valuation range, VIN decode, anomalies, provenance, bid ceiling, time left and the auction link.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPS_SHOWN, compsSection } from '../src/dealer/workspace-pages.js';
import { buildTestApp, type TestApp } from './support/app.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { makeListings, storeTestListings } from './support/listings.js';

const comp = (i: number) => ({
  id: i,
  kind: 'sale' as const,
  year: 2015 + (i % 8),
  model: `Model ${i}`,
  mileage: 10_000 + i * 1_111,
  price: 20_000 + i * 101,
  saleDate: `2026-0${1 + (i % 9)}-1${i % 10}`,
  adjustedPrice: 30_000 + i * 307,
  weight: 0.05,
});

describe('opportunity page', () => {
  it('shows the heaviest comparables in a table and every other one behind a closed expander, each once', () => {
    const comps = Array.from({ length: 12 }, (_, i) => comp(i + 1));
    const html = compsSection(comps);
    const [shown, hidden] = html.split('<details>') as [string, string];
    expect(hidden).toBeDefined();
    expect(html).not.toContain('<details open');
    comps.forEach((c, i) => {
      const price = `$${c.adjustedPrice.toLocaleString('en-US')}`;
      expect(html.split(price)).toHaveLength(2); // exactly once on the page
      expect((i < COMPS_SHOWN ? shown : hidden).includes(price), c.model).toBe(true);
    });
    expect(hidden).toContain(`The other ${12 - COMPS_SHOWN} comparable sales`);
    // Few enough comparables: one table, no expander.
    const few = compsSection(comps.slice(0, COMPS_SHOWN));
    expect(few).not.toContain('<details>');
    expect(few.match(/<tr><td>/g)).toHaveLength(COMPS_SHOWN);
    expect(compsSection([])).toContain('No comparable sales');
  });

  describe('rendered', () => {
    let tdb: TestDb;
    let t: TestApp;
    beforeAll(async () => {
      tdb = await createTestDb('sqlite');
      const listings = makeListings(3, 5).map((l) => ({ ...l, listingUrl: 'https://example.gov/lot/1', vin: null }));
      await storeTestListings(tdb.db, listings);
      t = await buildTestApp(tdb.db);
    });
    afterAll(async () => {
      await t.app.close();
      await tdb.drop();
    });

    it('carries every part the page must show', async () => {
      const api = (await t.app.inject({ method: 'GET', url: '/api/opportunities?cursor=&sort=profit&limit=1' })).json();
      const o = api.items[0];
      const res = await t.app.inject({ method: 'GET', url: `/o/${o.id}` });
      expect(res.statusCode).toBe(200);
      for (const part of [
        '<h2>Bid ceiling</h2>',
        '<h2>Landed cost</h2>',
        '<h2>Valuation</h2>',
        '<h2>VIN decode</h2>',
        '<h2>Anomalies</h2>',
        '<h2>Provenance</h2>',
        'Time left:',
        'Open the auction',
      ]) {
        expect(res.body, part).toContain(part);
      }
      for (const label of [
        'Current bid',
        'Buyer&#39;s premium',
        'Doc fee',
        'Transport',
        'Recon reserve',
        'Total',
        'Estimated sale',
        'Profit',
      ])
        expect(res.body, label).toContain(label);
      expect(res.body).toContain(
        `$${Math.round(o.valuation.low).toLocaleString('en-US')} – $${Math.round(o.valuation.high).toLocaleString('en-US')}`,
      );
      expect(res.body).toContain(`/api/opportunities/${o.id}/provenance`);
    });
  });
});
