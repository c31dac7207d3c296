import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LISTING_FIELD_PATHS, LISTING_FIELDS, type ProvenanceMethod } from './fields.js';
import {
  expandProvenance,
  listingFieldsJson,
  readStoredFields,
  storedFields,
  storedFieldsJson,
  type ProvenanceRow,
  type StoredFields,
} from './records.js';
import type { ListingOrigin } from '../batch.js';
import type { ListingInput } from '../../opportunities/index.js';

const rowWith = (fieldsJson: string): ProvenanceRow => ({
  listing_id: 1,
  source: 'gsa',
  lot_id: 'a',
  origin: 'source:gsa',
  source_url: 'https://x',
  fetched_at: 0,
  snapshot_hash: 'h',
  extractor_version: 'gsa-json@1',
  fields_json: fieldsJson,
  engine_version: 'e',
  appraised_at: 0,
  updated_at: 0,
});

/** A CSV row's fields as the feed reader records them: every column read, the rest defaults. */
function csvRowFields(row: number): StoredFields {
  const fields: StoredFields = {};
  LISTING_FIELDS.forEach((f, i) => {
    fields[f] = i < 17 ? { m: 'extracted', l: `csv:row=${row};column=${f.toLowerCase()}` } : { m: 'default', l: null };
  });
  return fields;
}

describe('stored provenance', () => {
  it('a listing field added after the row was recorded still has a record, saying it was not read', () => {
    const fields = Object.fromEntries(
      Object.keys(LISTING_FIELD_PATHS)
        .filter((f) => f !== 'sellerName')
        .map((f) => [f, { m: 'extracted', l: `/x/${f}` }]),
    );
    const out = expandProvenance(rowWith(JSON.stringify(fields)));
    // The same row written in the compact form says the same.
    expect(expandProvenance(rowWith(storedFieldsJson(fields as StoredFields)))).toEqual(out);
    expect(out['listing.sellerName']).toMatchObject({
      method: 'default',
      locator: null,
      assumption: expect.stringMatching(/recorded before this field existed/),
    });
    expect(out.vin).toMatchObject({ method: 'extracted', locator: '/x/vin' });
    expect(out.vin!.assumption).toBeUndefined();
  });
});

describe('the compact stored form', () => {
  const methods: ProvenanceMethod[] = ['extracted', 'derived', 'default', 'imputed'];
  // Locators drawn from a few shapes that share prefixes to different depths, so the shared prefix
  // is sometimes long, sometimes cut mid-way, sometimes empty.
  const locator = fc.oneof(
    fc.constant(null),
    fc
      .constantFrom('csv:row=3;column=', 'csv:row=31;column=', '/items/0/', '#lot ', 'td:nth-child(2)')
      .chain((p) => fc.string({ maxLength: 6 }).map((rest) => p + rest)),
    fc.string({ maxLength: 8 }),
  );
  const entry = fc.record(
    {
      m: fc.constantFrom(...methods),
      l: locator,
      i: fc.array(fc.constantFrom('year', 'make', 'listing.description'), { maxLength: 2 }),
      a: fc.string({ minLength: 1, maxLength: 10 }),
      r: fc.string({ maxLength: 10 }),
    },
    { requiredKeys: ['m', 'l'] },
  );
  const fields = fc
    .uniqueArray(fc.constantFrom(...LISTING_FIELDS), { maxLength: LISTING_FIELDS.length })
    .chain((keys) => fc.tuple(...keys.map(() => entry)).map((entries) => Object.fromEntries(keys.map((k, i) => [k, entries[i]!]))));

  it('reads back every entry as it was written, and the row expands as the plain form does', () => {
    fc.assert(
      fc.property(fields, (f) => {
        const compact = storedFieldsJson(f);
        expect(readStoredFields(compact)).toEqual(f);
        expect(expandProvenance(rowWith(compact))).toEqual(expandProvenance(rowWith(JSON.stringify(f))));
      }),
      { numRuns: 500 },
    );
  });

  it('reads rows written in the plain form', () => {
    const plain = csvRowFields(7);
    expect(readStoredFields(JSON.stringify(plain))).toEqual(plain);
  });

  it("writes a CSV row's fields in under half the plain form's bytes, the locators' shared part once", () => {
    const f = csvRowFields(102);
    const compact = storedFieldsJson(f);
    expect(compact.length).toBeLessThan(JSON.stringify(f).length / 2);
    expect(compact.split('csv:row=102;column=').length - 1).toBe(1);
    expect(JSON.parse(compact)).toMatchObject({ '@': 'csv:row=102;column=', vin: 'vin', sellerName: 0 });
  });
  it("writes a listing's fields straight from it and its origin exactly as from its entries", () => {
    // Per field: a value or none, and in the origin any mix of method, locator, raw text,
    // assumption (empty ones included) and inputs.
    const perField = fc.record(
      {
        value: fc.oneof(fc.constant(null), fc.constant(undefined), fc.string({ maxLength: 4 }), fc.integer()),
        method: fc.constantFrom(...methods),
        locator,
        raw: fc.string({ maxLength: 6 }),
        assumption: fc.string({ maxLength: 6 }),
        inputs: fc.array(fc.constantFrom('year', 'location.zip'), { maxLength: 2 }),
      },
      { requiredKeys: ['value'] },
    );
    const input = fc.tuple(fc.array(perField, { minLength: LISTING_FIELDS.length, maxLength: LISTING_FIELDS.length }), fc.boolean());
    fc.assert(
      fc.property(input, ([specs, withOrigin]) => {
        const listing: Record<string, unknown> = {};
        const origin: ListingOrigin = { sourceUrl: 'u', fetchedAt: new Date(0), snapshotHash: 'h', extractorVersion: 'x', locators: {} };
        LISTING_FIELDS.forEach((f, i) => {
          const s = specs[i]!;
          listing[f] = s.value;
          if (s.method !== undefined) (origin.methods ??= {})[f] = s.method;
          if (s.locator !== undefined && s.locator !== null) origin.locators[f] = s.locator;
          if (s.raw !== undefined) (origin.raw ??= {})[f] = s.raw;
          if (s.assumption !== undefined) (origin.assumptions ??= {})[f] = s.assumption;
          if (s.inputs !== undefined) (origin.inputs ??= {})[f] = s.inputs;
        });
        const l = listing as unknown as ListingInput;
        const o = withOrigin ? origin : undefined;
        expect(listingFieldsJson(l, o)).toBe(storedFieldsJson(storedFields(l, o)));
      }),
      { numRuns: 1000 },
    );
  });
});
