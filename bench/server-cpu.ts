// The PostgreSQL server's CPU time, read from /proc, for the import scenario: on PostgreSQL an
// import's cost is split between the CLI and the server's backends, and on a 2-core machine both
// draw on the same cores, so the client's CPU alone tells half the story.
//
// A backend is a child of the postmaster. While it runs, its CPU is in its own /proc/PID/stat;
// once it has exited and the postmaster has reaped it, in the postmaster's "children" fields
// (cutime, cstime). So the server's CPU is the postmaster's own and reaped children's, plus that of
// every child still alive. Reading that only at the start and the end of an import counts the
// backends it opened and closed in between, which summing the live processes alone would miss.
import { readdirSync } from 'node:fs';
import pg from 'pg';
import { procStatFields, TICKS_PER_SECOND } from './proc-stat.js';

/** The postmaster's own CPU ticks and its reaped children's. */
function postmasterTicks(postmaster: number): number {
  const f = procStatFields(postmaster);
  if (f === null) throw new Error(`postmaster ${postmaster} is not running`);
  return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
}

/**
 * CPU seconds of the postmaster `postmaster` (its own, its reaped children's) and its live
 * children. A child reaped between reading the postmaster and reading the children would be in
 * neither, so the whole reading is taken again when the postmaster's count moved meanwhile.
 */
export function serverCpuSeconds(postmaster: number): number {
  for (let attempt = 0; ; attempt++) {
    const before = postmasterTicks(postmaster);
    let children = 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      // A child gone between listing and reading has its time in the postmaster's count instead.
      const f = procStatFields(Number(entry));
      if (f !== null && Number(f[1]) === postmaster) children += Number(f[11]) + Number(f[12]);
    }
    const after = postmasterTicks(postmaster);
    if (after === before || attempt === 4) return (after + children) / TICKS_PER_SECOND;
  }
}

export interface ServerCpuProbe {
  /** The server's CPU seconds so far (a counter: take the difference of two readings). */
  read(): number;
  /** Waits until no client is connected to `database` any more, so its backends' time is reaped. */
  settled(database: string, timeoutMs?: number): Promise<void>;
}

/**
 * A probe of the server behind `adminUrl`, or null when its processes cannot be read here: a
 * server on another host, or one whose /proc entries this user cannot see.
 */
export async function postgresServerCpu(adminUrl: string): Promise<ServerCpuProbe | null> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  let f: string[] | null;
  try {
    // Read while the backend is connected: it exits with the connection.
    f = procStatFields(Number((await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid));
  } finally {
    await client.end();
  }
  if (f === null) return null;
  const postmaster = Number(f[1]);
  try {
    serverCpuSeconds(postmaster);
  } catch {
    return null;
  }
  return {
    read: () => serverCpuSeconds(postmaster),
    async settled(database, timeoutMs = 5000) {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        const until = Date.now() + timeoutMs;
        for (;;) {
          const r = await c.query<{ n: string }>(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
            [database],
          );
          if (Number(r.rows[0]!.n) === 0 || Date.now() > until) return;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      } finally {
        await c.end();
      }
    },
  };
}
