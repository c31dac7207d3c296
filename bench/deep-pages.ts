// Scenario (d): page 1 against a page 1,000 deep, in cursor (keyset) and page (offset) mode, with
// the cache off so the database's work is what is measured.
import type { Child } from './child.js';
import { getJson, measured, type BenchSettings, type Measured } from './measure.js';

export interface DeepPages {
  depth: number;
  limit: number;
  cursorPage1: Measured;
  cursorDeep: Measured;
  offsetPage1: Measured;
  offsetDeep: Measured;
  /** Deep p50 ÷ page-1 p50. */
  cursorRatio: number;
  offsetRatio: number;
}

const LIMIT = 50;

/** Walks to the cursor of page `depth` with big steps: a cursor is bound to the query, not to the limit. */
async function cursorAt(base: string, depth: number): Promise<string> {
  let cursor = '';
  let remaining = (depth - 1) * LIMIT;
  while (remaining > 0) {
    const step = Math.min(200, remaining);
    const res = await getJson(`${base}/api/opportunities?cursor=${encodeURIComponent(cursor)}&limit=${step}`);
    const body = res.body as { nextCursor?: string };
    if (res.status !== 200 || !body.nextCursor) throw new Error(`cursor walk stopped with ${remaining} rows to go: ${res.text.slice(0, 200)}`);
    cursor = body.nextCursor;
    remaining -= step;
  }
  return cursor;
}

export async function deepPages(child: Child, s: BenchSettings): Promise<DeepPages> {
  const depth = Math.max(2, Math.min(1000, Math.floor(s.rows / LIMIT)));
  s.log(`deep pages: walking to page ${depth} (limit ${LIMIT})`);
  const deep = await cursorAt(child.url, depth);
  await child.flags({ ENABLE_PRODUCTION_CACHE: false });
  const opts = { connections: 4, durationS: Math.max(2, Math.round(s.durationS / 2)) };
  const run = (name: string, path: string) => {
    s.log(`deep pages: ${name}`);
    return measured(name, [child], child.url, () => path, opts);
  };
  const cursorPage1 = await run('cursor page 1', `/api/opportunities?cursor=&limit=${LIMIT}`);
  const cursorDeep = await run(`cursor page ${depth}`, `/api/opportunities?cursor=${encodeURIComponent(deep)}&limit=${LIMIT}`);
  const offsetPage1 = await run('offset page 1', `/api/opportunities?page=1&limit=${LIMIT}`);
  const offsetDeep = await run(`offset page ${depth}`, `/api/opportunities?page=${depth}&limit=${LIMIT}`);
  await child.flags({});
  return {
    depth, limit: LIMIT, cursorPage1, cursorDeep, offsetPage1, offsetDeep,
    cursorRatio: cursorDeep.p50 / Math.max(1e-9, cursorPage1.p50),
    offsetRatio: offsetDeep.p50 / Math.max(1e-9, offsetPage1.p50),
  };
}
