import { describe, expect, it } from 'vitest';
import { LISTING_FIELD_PATHS } from './fields.js';
import { expandProvenance } from './records.js';

describe('stored provenance', () => {
  it('a listing field added after the row was recorded still has a record, saying it was not read', () => {
    const fields = Object.fromEntries(
      Object.keys(LISTING_FIELD_PATHS)
        .filter((f) => f !== 'sellerName')
        .map((f) => [f, { m: 'extracted', l: `/x/${f}` }]),
    );
    const out = expandProvenance({
      listing_id: 1,
      source: 'gsa',
      lot_id: 'a',
      origin: 'source:gsa',
      source_url: 'https://x',
      fetched_at: 0,
      snapshot_hash: 'h',
      extractor_version: 'gsa-json@1',
      fields_json: JSON.stringify(fields),
      engine_version: 'e',
      appraised_at: 0,
      updated_at: 0,
    });
    expect(out['listing.sellerName']).toMatchObject({
      method: 'default',
      locator: null,
      assumption: expect.stringMatching(/recorded before this field existed/),
    });
    expect(out.vin).toMatchObject({ method: 'extracted', locator: '/x/vin' });
    expect(out.vin!.assumption).toBeUndefined();
  });
});
