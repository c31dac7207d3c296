// The import benchmark's reading of PostgreSQL's CPU (bench/server-cpu.ts), against the real
// server: an import's backends are gone when it ends, so their time must be found in the
// postmaster's count of reaped children, not only in the processes still running.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresServerCpu } from '../bench/server-cpu.js';
import { adminQuery, PG_ADMIN_URL, postgresUrlFor, requirePostgres } from './support/databases.js';

const pgOk = await requirePostgres();
// A database of the test's own, so waiting for its clients to leave waits for this file's alone.
const DATABASE = `ds_server_cpu_${process.pid}`;

beforeAll(async () => {
  if (pgOk) await adminQuery(`CREATE DATABASE ${DATABASE}`);
});
afterAll(async () => {
  if (pgOk) await adminQuery(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
});

/** A query that keeps one backend busy for about `ms` of its CPU (a tight loop in PL/pgSQL). */
async function burn(client: pg.Client, ms: number): Promise<number> {
  const started = process.hrtime.bigint();
  await client.query(`DO $$ DECLARE t timestamptz := clock_timestamp(); x bigint := 0; BEGIN
      WHILE clock_timestamp() < t + interval '${ms} milliseconds' LOOP x := x + 1; END LOOP; END $$`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function connected(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: postgresUrlFor(DATABASE) });
  await c.connect();
  return c;
}

describe.runIf(pgOk)('the server CPU probe', () => {
  it('counts a backend that has exited, through the postmaster', async () => {
    const probe = await postgresServerCpu(PG_ADMIN_URL);
    expect(probe).not.toBeNull();
    const before = probe!.read();
    const c = await connected();
    const wallMs = await burn(c, 600);
    await c.end();
    // The backend is gone (or a zombie about to be reaped): only the postmaster's count has it.
    await probe!.settled(DATABASE);
    const seconds = probe!.read() - before;
    // The loop ran on the server's CPU nearly the whole time; two cores leave it at least half.
    // (Other test files may use the server at the same time, so only a lower bound is safe.)
    expect(seconds).toBeGreaterThan((wallMs / 1000) * 0.5);
  });

  it('counts a backend still running', async () => {
    const probe = (await postgresServerCpu(PG_ADMIN_URL))!;
    const c = await connected();
    try {
      const before = probe.read();
      const wallMs = await burn(c, 400);
      expect(probe.read() - before).toBeGreaterThan((wallMs / 1000) * 0.5);
    } finally {
      await c.end();
    }
  });
});
