// A throwaway PostgreSQL server on a spare port for fault tests: they stop and start it at will,
// which must never happen to the machine's shared cluster on 5432. initdb refuses to run as root,
// so as root every server binary runs as the `postgres` OS user.
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './redis.js';
import { postgresAvailable } from './databases.js';

const run = promisify(execFile);

export interface PrivatePostgres {
  /** Connection URL of the `postgres` database (trust auth, user postgres). */
  adminUrl: string;
  port: number;
  /** URL of another database on this server. */
  urlFor(database: string): string;
  createDatabase(name: string): Promise<string>;
  /** `fast` ends sessions cleanly; `immediate` is a crash without a shutdown checkpoint. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  running(): Promise<boolean>;
  destroy(): Promise<void>;
  /** The server log, for failure messages. */
  log(): string;
}

/** The newest installed PostgreSQL's bin directory (Debian layout), or null. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0], 'bin') : null;
}

/** In CI a missing PostgreSQL installation is a failure, never a silent skip. */
export function requirePostgresBinaries(): boolean {
  const ok = postgresBinDir() !== null;
  if (!ok && process.env.CI) throw new Error('PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are required in CI');
  return ok;
}

function runAsOwner(): { prefix: string[]; uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { prefix: ['runuser', '-u', 'postgres', '--'], uid, gid };
}

const canConnect = (url: string) => postgresAvailable(url, 1000);

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql');
  const owner = runAsOwner();
  const dir = mkdtempSync(join(tmpdir(), 'ds-pg-'));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const port = await freePort();
  const exec = async (tool: string, args: string[]) => {
    const argv = [...(owner?.prefix ?? []), join(bin, tool), ...args];
    return run(argv[0], argv.slice(1), { timeout: 60_000 });
  };

  await exec('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  // Loopback only, socket in our own directory (not /var/run/postgresql), and no durability
  // work: the data is disposable and the test machine is shared.
  const serverOptions = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c shared_buffers=32MB',
    '-c max_connections=120',
  ].join(' ');

  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const urlFor = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const running = () => canConnect(adminUrl);
  const start = async () => {
    await exec('pg_ctl', ['start', '-w', '-t', '30', '-D', dataDir, '-l', logFile, '-o', serverOptions]);
    if (!(await running())) throw new Error(`private PostgreSQL on ${port} started but does not answer`);
  };
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    await exec('pg_ctl', ['stop', '-w', '-t', '30', '-D', dataDir, '-m', mode]);
  };
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');

  await start();
  return {
    adminUrl,
    port,
    urlFor,
    start,
    stop,
    running,
    log,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe database name ${name}`);
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return urlFor(name);
    },
    async destroy() {
      if (existsSync(join(dataDir, 'postmaster.pid'))) await stop('immediate').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
