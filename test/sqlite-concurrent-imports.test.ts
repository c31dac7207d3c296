// Two `dealerscope ingest` processes importing into one SQLite file at once, as an operator's
// cron import beside another (or beside a serving process's scheduled scrape) does. Each import
// transaction looks its lots up before it writes them; begun with a plain BEGIN, the other
// process's commit in between made SQLite refuse the write ("database is locked") and the import
// failed. Both must finish, with every lot of both files stored.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFeedFile } from '../bench/ingest-feed.js';
import { openDb } from '../src/storage/index.js';
import { runCli } from './support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ds-sqlite-concurrent-'));
const env = {
  ...process.env,
  DATABASE_URL: `sqlite:${join(dir, 'shared.db')}`,
  DEALERSCOPE_ENV: 'development',
  SNAPSHOT_DIR: join(dir, 'snapshots'),
};

const ingest = (file: string) => runCli(['ingest', '--file', file, '--json'], env, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('two imports into one SQLite file at once', () => {
  it('both finish, and every lot of both files is stored', async () => {
    expect((await runCli(['migrate'], env)).code).toBe(0);
    const first = join(dir, 'first.csv');
    await writeFeedFile(first, 4000);
    // The same listings under other lot ids: a second source's file, none of its lots in the first.
    const second = join(dir, 'second.csv');
    writeFileSync(second, readFileSync(first, 'utf8').replace(/^([^,\n]*),L(\d+),/gm, '$1,M$2,'));

    const [a, b] = await Promise.all([ingest(first), ingest(second)]);
    for (const r of [a, b]) {
      // 2 is "some rows rejected or quarantined" (the generated feed has such rows); 1 is a failure.
      expect(r.stderr).not.toMatch(/database is locked/);
      expect([0, 2]).toContain(r.code);
    }
    const sa = JSON.parse(a.stdout) as { accepted: number; created: number };
    const sb = JSON.parse(b.stdout) as { accepted: number; created: number };
    expect(sa.accepted).toBeGreaterThan(3900);
    expect(sb.accepted).toBe(sa.accepted);

    const db = openDb(env.DATABASE_URL);
    try {
      const lots = await db.kysely.selectFrom('listings').select(['source', 'lot_id']).execute();
      expect(new Set(lots.map((l) => `${l.source}\u0000${l.lot_id}`)).size).toBe(lots.length);
      expect(lots.filter((l) => l.lot_id.startsWith('L')).length).toBe(sa.created);
      expect(lots.filter((l) => l.lot_id.startsWith('M')).length).toBe(sb.created);
      expect(sb.created).toBe(sa.created);
      expect(sa.created).toBeGreaterThan(3500);
    } finally {
      await db.close();
    }
  }, 180_000);
});
