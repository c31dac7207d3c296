// Test databases: a temporary SQLite file, or a private PostgreSQL database created for the suite
// and dropped after it, so suites run in parallel without seeing each other's rows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDb, type Db } from '../../src/storage/db.js';
import { migrate } from '../../src/schema/migrate.js';
import { requireComponent } from './components.js';

export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function postgresAvailable(url = PG_ADMIN_URL, timeoutMs = 2000): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A missing server fails the suite unless the run opted out (test/support/components.ts). */
export async function requirePostgres(): Promise<boolean> {
  return requireComponent('pg', await postgresAvailable(), `the server at ${PG_ADMIN_URL}`);
}

export interface TestDb {
  db: Db;
  url: string;
  drop(): Promise<void>;
}

export async function createSqliteDb(): Promise<TestDb> {
  const dir = mkdtempSync(join(tmpdir(), 'dealerscope-test-'));
  const url = `sqlite:${join(dir, 'test.db')}`;
  const db = openDb(url);
  await migrate(db);
  return {
    db,
    url,
    drop: async () => {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs one statement (CREATE or DROP DATABASE, …) on its own connection to the server at `url`. */
export async function adminQuery(text: string, url = PG_ADMIN_URL): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** The URL of database `name` on the server PG_ADMIN_URL names. */
export const postgresUrlFor = (name: string): string => PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);

export async function createPostgresDb(): Promise<TestDb> {
  const name = `ds_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = postgresUrlFor(name);
  const db = openDb(url, { poolSize: 5 });
  await migrate(db);
  return {
    db,
    url,
    drop: async () => {
      await db.close();
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

export async function createTestDb(dialect: 'sqlite' | 'postgres'): Promise<TestDb> {
  return dialect === 'sqlite' ? createSqliteDb() : createPostgresDb();
}
