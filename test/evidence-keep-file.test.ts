// A feed file kept as evidence streamed, never read whole: stored under the hash the import took
// while reading it, on disk and in an S3-compatible bucket, and refused (nothing stored) when the
// file no longer hashes to that name.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFeedFile } from '../bench/ingest-feed.js';
import { ManualClock } from '../src/common/clock.js';
import { defaultArbitrageParams } from '../src/config/arbitrage.js';
import { createEvidenceStore, evidenceSettings } from '../src/evidence/index.js';
import { importFeedSource } from '../src/ingest/feed-import.js';
import { createSqliteDb, type TestDb } from './support/databases.js';

const NOW = Date.UTC(2026, 10, 26, 12);
const dir = mkdtempSync(join(tmpdir(), 'ds-keep-file-'));
const hex = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const walk = (d: string): string[] =>
  readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [e.name]));

let tdb: TestDb;
beforeAll(async () => {
  tdb = await createSqliteDb();
});
afterAll(async () => {
  await tdb?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('keeping a feed file streamed', () => {
  it('an import of a file keeps it through keepFile, under the hash its provenance names', async () => {
    const file = join(dir, 'feed.csv');
    await writeFeedFile(file, 300, { reference: NOW });
    const blobs = join(dir, 'blobs-import');
    const store = createEvidenceStore({
      db: tdb.db,
      clock: new ManualClock(NOW),
      env: {},
      settings: { ...evidenceSettings({}), dir: blobs },
    });
    // Reading the file whole into keep() is what a file import must no longer do.
    const sink = { keep: () => Promise.reject(new Error('keep() called with the whole file')), keepFile: store.keepFile.bind(store) };
    try {
      await importFeedSource(tdb.db, { path: file }, 'csv', {
        origin: 'feed.csv',
        now: NOW,
        params: defaultArbitrageParams(),
        snapshots: sink,
      });
      const bytes = readFileSync(file);
      const prov = await tdb.db.kysely.selectFrom('quality_provenance').select('snapshot_hash').limit(1).executeTakeFirstOrThrow();
      expect(prov.snapshot_hash).toBe(`sha256:${hex(bytes)}`);
      expect((await store.get(prov.snapshot_hash))?.bytes.equals(bytes)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('on disk: refuses a file that no longer hashes to its name, leaving no blob and no temporary file', async () => {
    const blobs = join(dir, 'blobs-disk');
    const store = createEvidenceStore({
      db: tdb.db,
      clock: new ManualClock(NOW),
      env: {},
      settings: { ...evidenceSettings({}), dir: blobs },
    });
    const file = join(dir, 'changing.csv');
    writeFileSync(file, 'first version\n');
    const hash = hex(readFileSync(file));
    writeFileSync(file, 'second version\n');
    try {
      expect(
        await store.keepFile({
          path: file,
          hash: `sha256:${hash}`,
          url: 'urn:dealerscope:feed:changing.csv',
          contentType: 'text/csv',
          kind: 'feed',
        }),
      ).toBeNull();
      expect(await store.get(hash)).toBeNull();
      expect(walk(blobs)).toEqual([]);
      // The same file under its true hash is kept.
      const now = hex(readFileSync(file));
      expect(await store.keepFile({ path: file, hash: now, contentType: 'text/csv', kind: 'feed' })).toBe(now);
      expect((await store.get(now))?.bytes.toString()).toBe('second version\n');
    } finally {
      await store.close();
    }
  });
});

describe('keeping a feed file streamed into an S3-compatible bucket', () => {
  let s3rver: S3rver;
  let s3dir: string;
  let endpoint: string;
  const BUCKET = 'keep-file';
  const creds = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };
  const saved = { ...process.env };
  beforeAll(async () => {
    Object.assign(process.env, creds);
    s3dir = mkdtempSync(join(tmpdir(), 'ds-s3rver-keep-'));
    s3rver = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3dir });
    const { port } = await s3rver.run();
    endpoint = `http://127.0.0.1:${port}`;
    const s3 = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    s3.destroy();
  });
  afterAll(async () => {
    process.env = saved;
    await s3rver?.close();
    rmSync(s3dir, { recursive: true, force: true });
  });

  it('uploads the file streamed, and takes back an upload whose bytes do not match its name', async () => {
    const store = createEvidenceStore({
      db: tdb.db,
      clock: new ManualClock(NOW),
      env: { OBJECT_STORE_URL: `s3://${BUCKET}/v1`, OBJECT_STORE_ENDPOINT: endpoint },
    });
    const s3 = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const keys = async () => ((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? []).map((o) => o.Key);
    try {
      const file = join(dir, 's3.csv');
      writeFileSync(file, 'a,b\n1,2\n');
      const good = hex(readFileSync(file));
      expect(await store.keepFile({ path: file, hash: good, contentType: 'text/csv', kind: 'feed' })).toBe(good);
      expect((await store.get(good))?.bytes.toString()).toBe('a,b\n1,2\n');
      const stale = hex(Buffer.from('what the import read before the file changed'));
      expect(await store.keepFile({ path: file, hash: stale, contentType: 'text/csv', kind: 'feed' })).toBeNull();
      expect(await keys()).toEqual([`v1/${good}`]);
    } finally {
      s3.destroy();
      await store.close();
    }
  });
});
