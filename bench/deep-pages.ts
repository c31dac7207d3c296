// Scenario (d): page 1 against a page 1,000 deep, in cursor (keyset) and page (offset) mode, with
// the cache off so the database's work is what is measured.
import http from 'node:http';
import type { Child } from './child.js';
import { CLIENT_HEADERS } from './load.js';
import { percentile } from './percentile.js';
import { getJson, measured, type BenchSettings, type Measured } from './measure.js';

export interface DeepPages {
  depth: number;
  limit: number;
  cursorPage1: Measured;
  cursorDeep: Measured;
  offsetPage1: Measured;
  offsetDeep: Measured;
  /** Deep p50 ÷ page-1 p50, from requests alternating between the two in one run. */
  cursorRatio: number;
  offsetRatio: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });

function timedGet(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    http
      .get(url, { agent, headers: CLIENT_HEADERS }, (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`${url} answered ${res.statusCode}`)),
        );
      })
      .on('error', reject);
  });
}

/**
 * p50 of each path with the requests interleaved (A, B, A, B, … on two connections), so the
 * machine's noise falls on both alike; separate runs a few seconds apart differed by ±25 %.
 */
async function interleavedP50(base: string, paths: string[], rounds: number): Promise<number[]> {
  const times = paths.map(() => new Float64Array(rounds * 2));
  const worker = async (w: number) => {
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < paths.length; i++) {
        const k = (i + r + w) % paths.length; // each worker starts the round on a different path
        times[k]![r * 2 + w] = await timedGet(base + paths[k]);
      }
    }
  };
  await Promise.all([worker(0), worker(1)]);
  return times.map((t) => percentile(t.sort(), 50));
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
    if (res.status !== 200 || !body.nextCursor)
      throw new Error(`cursor walk stopped with ${remaining} rows to go: ${res.text.slice(0, 200)}`);
    cursor = body.nextCursor;
    remaining -= step;
  }
  return cursor;
}

export async function deepPages(child: Child, s: BenchSettings): Promise<DeepPages> {
  // The seeded auctions end over a month; those already ended have left the lists, so the walk
  // aims at nine tenths of the rows.
  const depth = Math.max(2, Math.min(1000, Math.floor((s.rows * 0.9) / LIMIT)));
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
  s.log('deep pages: page 1 and the deep page interleaved, for the ratios');
  const [c1, cDeep] = await interleavedP50(
    child.url,
    [`/api/opportunities?cursor=&limit=${LIMIT}`, `/api/opportunities?cursor=${encodeURIComponent(deep)}&limit=${LIMIT}`],
    300,
  );
  const [o1, oDeep] = await interleavedP50(
    child.url,
    [`/api/opportunities?page=1&limit=${LIMIT}`, `/api/opportunities?page=${depth}&limit=${LIMIT}`],
    20,
  );
  await child.flags({});
  return {
    depth,
    limit: LIMIT,
    cursorPage1,
    cursorDeep,
    offsetPage1,
    offsetDeep,
    cursorRatio: (cDeep as number) / Math.max(1e-9, c1 as number),
    offsetRatio: (oDeep as number) / Math.max(1e-9, o1 as number),
  };
}
