// The backing services of a cluster test: a database of its own (on the shared PostgreSQL, or
// on a private server the test may stop) and a private Redis, each torn down afterwards.
import { execFileSync } from 'node:child_process';
import { adminQuery, postgresUrlFor, requirePostgres } from '../../support/databases.js';
import { requirePostgresBinaries, startPrivatePostgres, type PrivatePostgres } from '../../support/private-postgres.js';
import { startPrivateRedis, type PrivateRedis } from '../../support/redis.js';
import { ensureBuilt } from './build.js';
import { seedSampleListings } from './replicas.js';

export interface ClusterEnvironment {
  databaseUrl: string;
  redis: PrivateRedis;
  /** Present when the test asked for a PostgreSQL server it may stop. */
  postgres: PrivatePostgres | null;
  seeded: { accepted: number; rows: number };
  teardown(): Promise<void>;
}

function redisServerInstalled(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether this machine can run the cluster suites; in CI a missing piece is an error, never a
 * skip. `privatePostgres` suites need the server binaries rather than the shared server.
 */
export async function clusterPrerequisites(opts: { privatePostgres: boolean }): Promise<boolean> {
  const database = opts.privatePostgres ? requirePostgresBinaries() : await requirePostgres();
  const redis = redisServerInstalled();
  if (!redis && process.env.CI) throw new Error('redis-server is required in CI for the cluster suites');
  return database && redis;
}

const databaseName = () => `ds_cluster_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

export async function startClusterEnvironment(opts: { privatePostgres: boolean }): Promise<ClusterEnvironment> {
  ensureBuilt();
  const cleanups: Array<() => Promise<void>> = [];
  const teardown = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => {});
  };
  try {
    const name = databaseName();
    let postgres: PrivatePostgres | null = null;
    let databaseUrl: string;
    if (opts.privatePostgres) {
      postgres = await startPrivatePostgres();
      const server = postgres;
      cleanups.push(() => server.destroy());
      databaseUrl = await server.createDatabase(name);
    } else {
      await adminQuery(`CREATE DATABASE ${name}`);
      cleanups.push(() => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      databaseUrl = postgresUrlFor(name);
    }
    const redis = await startPrivateRedis();
    cleanups.push(() => redis.destroy());
    const seeded = await seedSampleListings(databaseUrl);
    return { databaseUrl, redis, postgres, seeded, teardown };
  } catch (err) {
    await teardown();
    throw err;
  }
}
