// Bodies in the encoding they declare: a feed served as ISO-8859-1 and a page as Windows-1252 are
// stored with their accented letters, whether the charset is in the Content-Type or a page's meta
// tag; a body that declares nothing and is not UTF-8 fails its fetch naming the byte, as a file
// import does, and nothing of it is stored.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { ManualClock } from '../src/common/clock.js';
import { seededRandom } from '../src/common/random.js';
import { SourceRunner } from '../src/ingest/scheduler/source-runner.js';
import { parseSourcesConfig } from '../src/ingest/sources/config.js';
import { bodyText } from '../src/ingest/sources/body-text.js';
import { makeLots } from './fixtures/auction-site/data.js';
import { feedCsv } from './fixtures/auction-site/pages.js';
import { createTestDb, type TestDb } from './support/databases.js';
import { NOW } from './support/source-fixtures.js';

describe('bodies in the encoding they declare', () => {
  let tdb: TestDb;
  let server: Server;
  let base = '';
  const csv = feedCsv(makeLots(2, 51, NOW)).replace(/,Austin,|,Phoenix,|,[A-Z][a-z]+,(?=[A-Z]{2},)/g, ',Montréal Café,');
  const latin1 = Buffer.from(csv, 'latin1');
  // Windows-1252 bytes: ó is 0xF3 as in Latin-1, but – and € are 0x96 and 0x80, which Latin-1 lacks.
  const page1252 = Buffer.from(
    '<html><head><meta charset="windows-1252"><title>Lot</title></head><body>San Ant\xf3nio \x96 5 \x80</body></html>',
    'latin1',
  );
  const routes: Record<string, [string, Buffer]> = {
    '/declared.csv': ['text/csv; charset=iso-8859-1', latin1],
    '/undeclared.csv': ['text/csv', latin1],
    '/meta.html': ['text/html', page1252],
  };

  beforeAll(async () => {
    tdb = await createTestDb('sqlite');
    server = createServer((req, res) => {
      const r = routes[req.url ?? ''];
      if (!r) return res.writeHead(404).end();
      res.writeHead(200, { 'Content-Type': r[0] }).end(r[1]);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await tdb.drop();
  });

  const runner = () => {
    const fast = { delayMs: 0, backoffBaseMs: 1, timeoutMs: 5_000, robots: false };
    const config = parseSourcesConfig(
      {
        sources: [
          { name: 'declared', kind: 'feed', url: `${base}/declared.csv`, intervalSeconds: 60, etiquette: fast },
          { name: 'undeclared', kind: 'feed', url: `${base}/undeclared.csv`, intervalSeconds: 60, etiquette: fast },
          { name: 'page', kind: 'feed', url: `${base}/meta.html`, intervalSeconds: 60, etiquette: fast },
        ],
      },
      { SOURCE_ALLOW_PRIVATE_HOSTS: '127.0.0.1' },
    );
    return new SourceRunner(config, {
      db: tdb.db,
      clock: new ManualClock(NOW),
      random: seededRandom(2),
      params: defaultArbitrageParams,
      renderer: null,
    });
  };

  it('stores a feed in its declared charset, and refuses one that declares none and is not UTF-8', async () => {
    const r = runner();
    try {
      const undeclared = await r.run('undeclared');
      expect(undeclared.outcome).toBe('failed');
      expect(undeclared.errors.join()).toMatch(/undeclared\.csv: is not UTF-8 \(byte \d+, 0xE9\) and declares no other charset/);
      expect(await tdb.db.kysely.selectFrom('listings').select('id').execute()).toEqual([]);

      const declared = await r.run('declared');
      expect(declared).toMatchObject({ outcome: 'ok', accepted: 2 });
      const cities = await tdb.db.kysely.selectFrom('listings').select('city').execute();
      expect(cities.map((c) => c.city)).toEqual(['Montréal Café', 'Montréal Café']);
    } finally {
      await r.close();
    }
  });

  it('reads a page in the charset of its meta tag when the header names none', async () => {
    const r = runner();
    try {
      const got = await r.fetcher('page')!.get(`${base}/meta.html`, 'text/html');
      expect(got.body).toContain('San António – 5 €');
    } finally {
      await r.close();
    }
    expect(bodyText(Buffer.from('plain ascii'), null)).toBe('plain ascii');
    expect(() => bodyText(Buffer.from([0x41, 0xe9]), 'text/plain; charset=x-no-such-charset')).toThrow(/not an encoding this reader knows/);
  });
});
