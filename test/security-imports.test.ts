// POST /admin/imports: the admin bearer token, media types and the size limit are enforced before
// anything is written, and the answer is the real import summary with every rejected row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from './support/databases.js';
import { buildTestApp, type TestApp } from './support/app.js';
import { movedLikeTheSample as endsAt } from './support/fixture-dates.js';

const ADMIN = 'test-admin-token-0123456789';
const HEADER =
  'source,lot_id,title,year,make,model,trim,vin,mileage,current_bid,auction_end,city,state,zip,listing_url,title_status,description';
const row = (lot: string, year: string, bid: string) =>
  `govdeals,${lot},${year} Ford F-150,${year},Ford,F-150,XL,,85000,${bid},${endsAt('2026-12-20T18:00:00Z')},Austin,TX,78701,,clean,Fleet truck`;

describe('admin feed upload', () => {
  let tdb: TestDb;
  let t: TestApp;

  const counts = async () => ({
    listings: Number(
      (
        await tdb.db.kysely
          .selectFrom('listings')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
    imports: Number(
      (
        await tdb.db.kysely
          .selectFrom('imports')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
  });
  const upload = (payload: string | Buffer, headers: Record<string, string>) =>
    t.app.inject({ method: 'POST', url: '/admin/imports', headers: { authorization: `Bearer ${ADMIN}`, ...headers }, payload });

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    t = await buildTestApp(tdb.db, { IMPORT_MAX_BYTES: '4096' });
  });
  afterAll(async () => {
    await t.app.close();
    await tdb.drop();
  });

  it('imports a CSV feed and answers the real summary with rejected row numbers and reasons', async () => {
    const csv = [HEADER, row('L1', '2019', '5000'), row('L2', '2099', '4000'), row('L3', '2018', '-5'), row('L4', '2020', '7000')].join(
      '\n',
    );
    const res = await upload(csv, { 'content-type': 'text/csv', 'x-feed-name': 'weekly.csv' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.rows).toBe(4);
    expect(body.accepted).toBe(2);
    expect(body.created).toBe(2);
    expect(body.rejected.map((r: { row: number; lotId: string }) => [r.row, r.lotId])).toEqual([
      [3, 'L2'],
      [4, 'L3'],
    ]); // file line numbers: the header is line 1
    for (const r of body.rejected) expect(r.reason.length).toBeGreaterThan(0);
    const stored = await tdb.db.kysely.selectFrom('listings').select(['lot_id', 'origin']).orderBy('lot_id').execute();
    expect(stored).toEqual([
      { lot_id: 'L1', origin: 'upload:weekly.csv' },
      { lot_id: 'L4', origin: 'upload:weekly.csv' },
    ]);
    // The same feed again changes nothing.
    const again = (await upload(csv, { 'content-type': 'text/csv' })).json();
    expect(again.unchanged).toBe(2);
    expect(again.created).toBe(0);
  });

  it('answers quarantined rows with their reasons, and counts live listings their update took down', async () => {
    const withVin = (lot: string, vin: string) => row(lot, '2019', '5000').replace(',XL,,85000,', `,XL,${vin},85000,`);
    const first = (await upload([HEADER, row('Q1', '2019', '5000')].join('\n'), { 'content-type': 'text/csv' })).json();
    expect(first).toMatchObject({ created: 1, quarantined: [], unpublished: 0 });
    // The same lot again, now with a VIN whose check digit is wrong: held back, and the live one withdrawn.
    const res = await upload([HEADER, withVin('Q1', '1FTEW1EP5FFA00001')].join('\n'), { 'content-type': 'text/csv' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.quarantined).toHaveLength(1);
    expect(body.quarantined[0]).toMatchObject({ row: 2, lotId: 'Q1', source: 'govdeals' });
    expect(body.quarantined[0].reasons.length).toBeGreaterThan(0);
    expect(body.quarantined[0].reasons[0]).toEqual({ rule: expect.any(String), message: expect.stringMatching(/check digit/i) });
    expect(body.unpublished).toBe(1);
    expect(body).toHaveProperty('flagged');
    expect(body).toHaveProperty('sanitized');
    expect(body).toHaveProperty('vinsDecoded');
  });

  it('imports a JSON feed', async () => {
    const feed = [
      {
        source: 'gsa',
        lot_id: 'J1',
        title: '2017 Chevrolet Tahoe',
        year: 2017,
        make: 'Chevrolet',
        model: 'Tahoe',
        current_bid: 9000,
        auction_end: endsAt('2026-12-21T18:00:00Z'),
        state: 'CA',
        title_status: 'clean',
      },
    ];
    const res = await upload(JSON.stringify(feed), { 'content-type': 'application/json; charset=utf-8' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ rows: 1, accepted: 1, created: 1, rejected: [] });
  });

  it('writes nothing when the upload is refused', async () => {
    const before = await counts();
    const good = [HEADER, row('X1', '2019', '5000')].join('\n');
    const refused = [
      await t.app.inject({ method: 'POST', url: '/admin/imports', headers: { 'content-type': 'text/csv' }, payload: good }),
      await upload(good, { authorization: 'Bearer not-the-admin-token-xx', 'content-type': 'text/csv' }),
      await upload(good, { 'content-type': 'application/x-www-form-urlencoded' }),
      await upload(good, { 'content-type': 'text/plain' }),
      await upload(good, {}),
      await upload(`${good}\n${'x'.repeat(5000)}`, { 'content-type': 'text/csv' }),
      await upload('{"not": "an array"}', { 'content-type': 'application/json' }),
      await upload('[{"source":', { 'content-type': 'application/json' }),
      await upload('', { 'content-type': 'text/csv' }),
      await upload('just,some,columns\n1,2,3', { 'content-type': 'text/csv' }),
      await upload(good, { 'content-type': 'text/csv', 'x-feed-name': '../../etc/passwd' }),
      // A Latin-1 export ("Café" as 43 61 66 E9), refused as `ingest --file` refuses it, not stored as "Caf\uFFFD".
      await upload(Buffer.from([HEADER, row('L1', '2019', '5000').replace('Ford', 'Caf\u00e9')].join('\n'), 'latin1'), {
        'content-type': 'text/csv',
      }),
      await upload('  \n\t ', { 'content-type': 'text/csv' }),
    ];
    expect(refused.map((r) => r.statusCode)).toEqual([401, 403, 415, 415, 415, 413, 400, 400, 400, 400, 400, 400, 400]);
    expect(refused.at(-2)!.json().error).toMatchObject({
      code: 'invalid_feed',
      message: expect.stringMatching(/not UTF-8 text: byte \d+ \(0xE9, line 2\)/),
    });
    expect(refused.at(-1)!.json().error.code).toBe('empty_feed');
    for (const r of refused) expect(r.json().error.code).toBeTruthy();
    expect(await counts()).toEqual(before);
  });

  it('checks an upload with the live flags: with the data contract rolled back, a ZIP of another state is published', async () => {
    // 99999 is not a Texas ZIP: the contract quarantines the row while ENABLE_SCHEMA_VALIDATION is on.
    const wrongZip = (lot: string) => [HEADER, row(lot, '2019', '5000').replace('78701', '99999')].join('\n');
    const checked = (await upload(wrongZip('Z1'), { 'content-type': 'text/csv' })).json();
    expect(checked.quarantined.map((q: { lotId: string }) => q.lotId)).toEqual(['Z1']);
    t.ctx.flags.setOverrides({ ENABLE_SCHEMA_VALIDATION: false });
    try {
      const unchecked = (await upload(wrongZip('Z2'), { 'content-type': 'text/csv' })).json();
      expect(unchecked.quarantined).toEqual([]);
      expect(unchecked.created).toBe(1);
    } finally {
      t.ctx.flags.setOverrides({});
    }
  });
});
