// Every database already migrated must keep working with the code: this migrates a fresh SQLite
// and a fresh private PostgreSQL database and compares the resulting schema with the dump kept in
// test/fixtures/schema/ (taken from the migration history as it shipped). A migration rewritten in
// another form (say, Kysely's schema builder for both dialects) must give the same dump; a new
// migration changes it on purpose — regenerate with UPDATE_SCHEMA_FIXTURES=1 and review the diff.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { migrationHistory } from '../src/schema/migrations/history.js';
import { createTestDb, requirePostgres, type TestDb } from './support/databases.js';
import { dumpSchema } from './support/schema-dump.js';

const fixture = (dialect: string) => fileURLToPath(new URL(`./fixtures/schema/${dialect}.json`, import.meta.url));
const pgUp = await requirePostgres();

describe.each([
  ['sqlite', true],
  ['postgres', pgUp],
] as const)('schema after every migration on %s', (dialect, available) => {
  const dbs: TestDb[] = [];
  afterAll(async () => {
    await Promise.all(dbs.map((d) => d.drop()));
  });

  it.runIf(available)('is the schema the shipped migrations built, under the same migration names', async () => {
    const t = await createTestDb(dialect);
    dbs.push(t);
    const dump = await dumpSchema(t.db);
    const history = migrationHistory(dialect);
    expect(dump.migrations).toEqual(Object.keys(history).sort());
    const text = `${JSON.stringify(dump, null, 1)}\n`;
    if (process.env.UPDATE_SCHEMA_FIXTURES === '1') writeFileSync(fixture(dialect), text);
    expect(JSON.parse(text)).toEqual(JSON.parse(readFileSync(fixture(dialect), 'utf8')));
  });
});
