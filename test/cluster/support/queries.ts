// Read-only looks into a cluster test's database, for workload ids and outcome checks.
import pg from 'pg';

async function query<T extends pg.QueryResultRow>(databaseUrl: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export async function activeOpportunityIds(databaseUrl: string): Promise<number[]> {
  const rows = await query<{ id: string }>(databaseUrl, 'SELECT id FROM opportunities WHERE is_active ORDER BY id');
  return rows.map((r) => Number(r.id));
}

/** Imports recorded by scheduled source runs whose source name starts with `prefix`. */
export async function sourceImports(databaseUrl: string, prefix: string): Promise<number> {
  const rows = await query<{ n: string }>(databaseUrl, 'SELECT count(*) AS n FROM imports WHERE origin LIKE $1', [`source:${prefix}%`]);
  return Number(rows[0]?.n ?? 0);
}
