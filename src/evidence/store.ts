// The evidence store: every fetched page, API response and uploaded feed kept once by its
// SHA-256. Bytes go to the blob store first, then the index row is written, so an indexed
// snapshot always has its bytes; keeping the same bytes again only moves `last_seen_at` (which
// retention counts from). Keeping never throws: evidence that cannot be written is counted and
// logged, and ingestion goes on.
import { stat } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import client from 'prom-client';
import type { Clock } from '../common/clock.js';
import type { Db } from '../storage/index.js';
import type { BlobStore } from './blob-store.js';
import { normalizeHash, sha256Hex } from './hash.js';
import type { KeepFileInput, KeepInput, SnapshotKind, SnapshotSink } from '../ingest/index.js';
import type { EvidenceTables } from './tables.js';

type Handle = Kysely<EvidenceTables>;

export interface StoredSnapshot {
  hash: string;
  bytes: Buffer;
  contentType: string | null;
  kind: SnapshotKind;
}

export interface GcReport {
  examined: number;
  deleted: number;
  keptReferenced: number;
  bytesFreed: number;
  cutoff: string;
}

export class SnapshotCorruptError extends Error {}

function kindOf(contentType: string | null | undefined, fallback: SnapshotKind): SnapshotKind {
  if (!contentType) return fallback;
  if (/json/i.test(contentType)) return 'api';
  if (/csv/i.test(contentType)) return 'feed';
  return 'page';
}

interface EvidenceMetrics {
  writes: client.Counter<'result'>;
  gcDeleted: client.Counter;
}

export interface EvidenceDeps {
  db: Db;
  blobs: BlobStore;
  clock: Clock;
  retentionDays: number;
  registry?: client.Registry;
  log?: (msg: string) => void;
}

export class EvidenceStore implements SnapshotSink {
  /** Hashes this process stored or saw stored lately: no blob-store round trip for a repeat still indexed. */
  private readonly known = new LRUCache<string, true>({ max: 10_000 });
  private readonly metrics: EvidenceMetrics | null;
  private totals: { at: number; value: Promise<{ objects: number; bytes: number }> } | null = null;
  private lastFailureLog = Number.NEGATIVE_INFINITY;
  private failedSinceLog = 0;

  constructor(private readonly d: EvidenceDeps) {
    this.metrics = d.registry ? this.registerMetrics(d.registry) : null;
  }

  get location(): string {
    return this.d.blobs.location;
  }

  get retentionDays(): number {
    return this.d.retentionDays;
  }

  private get h(): Handle {
    return this.d.db.kysely.withTables<EvidenceTables>() as unknown as Handle;
  }

  async keep(input: KeepInput): Promise<string | null> {
    const bytes = typeof input.bytes === 'string' ? Buffer.from(input.bytes, 'utf8') : input.bytes;
    const hash = sha256Hex(bytes);
    const recorded = input.hash ? normalizeHash(input.hash) : hash;
    if (recorded !== hash) {
      // A cached body re-served after a 304 whose text no longer hashes the same: note the URL only.
      const now = this.d.clock.now();
      try {
        if (recorded && input.url) await this.link(input.url, recorded, now);
      } catch (err) {
        this.failed(err, recorded ?? hash, input.url, now);
        return null;
      }
      return recorded;
    }
    return this.store(hash, bytes.length, (h) => this.d.blobs.put(h, bytes, input.contentType ?? null), input);
  }

  async keepFile(input: KeepFileInput): Promise<string | null> {
    const hash = normalizeHash(input.hash);
    if (!hash) throw new Error(`not a SHA-256: ${input.hash}`);
    const { size } = await stat(input.path);
    return this.store(hash, size, (h) => this.d.blobs.putFile(h, input.path, input.contentType ?? null), input);
  }

  /** The blob (unless stored already), its row and its URL link; a failure is logged, not thrown. */
  private async store(
    hash: string,
    size: number,
    put: (hash: string) => Promise<void>,
    input: Omit<KeepInput, 'bytes' | 'hash'>,
  ): Promise<string | null> {
    const now = this.d.clock.now();
    try {
      let stored = false;
      // The cache is trusted only while the index still lists the snapshot: a collection by
      // another process (the CLI's `evidence gc`, another replica's timer) deletes row and bytes,
      // and a repeat taken from the cache then re-listed bytes nobody had kept.
      const listed =
        this.known.has(hash) &&
        (await this.h.selectFrom('evidence_snapshots').select('hash').where('hash', '=', hash).executeTakeFirst()) !== undefined;
      if (!listed && !(await this.d.blobs.has(hash))) {
        await put(hash);
        stored = true;
      }
      const row = {
        bytes: size,
        content_type: input.contentType ?? null,
        kind: input.kind ?? kindOf(input.contentType, 'page'),
        first_seen_at: now,
        last_seen_at: now,
      };
      await this.h
        .insertInto('evidence_snapshots')
        .values({ hash, ...row })
        .onConflict((oc) => oc.column('hash').doUpdateSet({ last_seen_at: now }))
        .execute();
      if (input.url) await this.link(input.url, hash, now);
      this.known.set(hash, true);
      this.metrics?.writes.inc({ result: stored ? 'stored' : 'deduplicated' });
      return hash;
    } catch (err) {
      this.failed(err, hash, input.url, now);
      return null;
    }
  }

  private failed(err: unknown, hash: string, url: string | null | undefined, now: number): void {
    this.metrics?.writes.inc({ result: 'failed' });
    // A store that is down fails every page of a run: say so once a minute, with the count.
    this.failedSinceLog++;
    if (now - this.lastFailureLog >= 60_000) {
      this.d.log?.(
        `evidence: could not keep snapshot ${hash.slice(0, 12)}… of ${url ?? 'unnamed source'} in ${this.location}: ${err instanceof Error ? err.message : String(err)}${this.failedSinceLog > 1 ? ` (${this.failedSinceLog} failures since the last report)` : ''}`,
      );
      this.lastFailureLog = now;
      this.failedSinceLog = 0;
    }
  }

  private async link(url: string, hash: string, now: number): Promise<void> {
    await this.h
      .insertInto('evidence_sources')
      .values({ url: url.slice(0, 2000), hash, first_seen_at: now, last_seen_at: now })
      .onConflict((oc) => oc.columns(['url', 'hash']).doUpdateSet({ last_seen_at: now }))
      .execute();
  }

  /** The stored bytes of a snapshot (`hex` or `sha256:hex`); null when not stored. Throws when the bytes do not hash to the name. */
  async get(name: string): Promise<StoredSnapshot | null> {
    const hash = normalizeHash(name);
    if (!hash) return null;
    const row = await this.h.selectFrom('evidence_snapshots').select(['content_type', 'kind']).where('hash', '=', hash).executeTakeFirst();
    const bytes = await this.d.blobs.get(hash);
    if (!bytes) return null;
    if (sha256Hex(bytes) !== hash) throw new SnapshotCorruptError(`stored bytes of ${hash} in ${this.location} do not hash to their name`);
    return { hash, bytes, contentType: row?.content_type ?? null, kind: row?.kind ?? 'page' };
  }

  /** Snapshots a URL served, newest first, optionally only those first seen by `before`. */
  async hashesOf(url: string, before?: number): Promise<string[]> {
    let q = this.h.selectFrom('evidence_sources').select(['hash', 'first_seen_at']).where('url', '=', url);
    if (before !== undefined) q = q.where('first_seen_at', '<=', before);
    return (await q.orderBy('first_seen_at', 'desc').execute()).map((r) => r.hash);
  }

  /** Objects and bytes indexed (one aggregate query, cached for a minute). */
  totalsNow(): Promise<{ objects: number; bytes: number }> {
    const now = this.d.clock.now();
    if (this.totals && now - this.totals.at < 60_000) return this.totals.value;
    const value = this.h
      .selectFrom('evidence_snapshots')
      .select((eb) => [eb.fn.countAll<number>().as('objects'), eb.fn.coalesce(eb.fn.sum<number>('bytes'), eb.lit(0)).as('bytes')])
      .executeTakeFirstOrThrow()
      .then((r) => ({ objects: Number(r.objects), bytes: Number(r.bytes) }));
    this.totals = { at: now, value };
    value.catch(() => {
      if (this.totals?.value === value) this.totals = null;
    });
    return value;
  }

  /**
   * Deletes snapshots last seen more than the retention ago, except those still named as the
   * snapshot of a live (active) listing's provenance.
   */
  async gc(opts: { dryRun?: boolean; onProgress?: (done: number) => void } = {}): Promise<GcReport> {
    const now = this.d.clock.now();
    const cutoff = now - this.d.retentionDays * 86_400_000;
    const report: GcReport = { examined: 0, deleted: 0, keptReferenced: 0, bytesFreed: 0, cutoff: new Date(cutoff).toISOString() };
    let after = '';
    for (;;) {
      const batch = await this.h
        .selectFrom('evidence_snapshots')
        .select(['hash', 'bytes'])
        .where('last_seen_at', '<', cutoff)
        .where('hash', '>', after)
        .orderBy('hash')
        .limit(200)
        .execute();
      if (batch.length === 0) break;
      after = batch[batch.length - 1]!.hash;
      const names = batch.flatMap((b) => [b.hash, `sha256:${b.hash}`]);
      const referenced = new Set(
        (
          await this.d.db.kysely
            .selectFrom('quality_provenance')
            .innerJoin('listings', 'listings.id', 'quality_provenance.listing_id')
            .select('quality_provenance.snapshot_hash')
            .where('quality_provenance.snapshot_hash', 'in', names)
            .where('listings.is_active', '=', this.d.db.dialect === 'sqlite' ? 1 : true)
            .execute()
        ).map((r) => normalizeHash(r.snapshot_hash)),
      );
      for (const b of batch) {
        report.examined++;
        if (referenced.has(b.hash)) {
          report.keptReferenced++;
          continue;
        }
        if (!opts.dryRun) {
          // The row goes first and only if still expired: a keep() that just saw it again wins.
          const gone = await this.h
            .deleteFrom('evidence_snapshots')
            .where('hash', '=', b.hash)
            .where('last_seen_at', '<', cutoff)
            .executeTakeFirst();
          if (Number(gone.numDeletedRows) !== 1) continue;
          await this.d.blobs.delete(b.hash);
          await this.h.deleteFrom('evidence_sources').where('hash', '=', b.hash).execute();
          this.known.delete(b.hash);
          this.metrics?.gcDeleted.inc();
        }
        report.deleted++;
        report.bytesFreed += Number(b.bytes);
      }
      opts.onProgress?.(report.examined);
    }
    this.totals = null;
    return report;
  }

  async close(): Promise<void> {
    await this.d.blobs.close();
  }

  private registerMetrics(registry: client.Registry): EvidenceMetrics {
    const existing = registry.getSingleMetric('dealerscope_evidence_writes_total') as client.Counter<'result'> | undefined;
    if (existing)
      return { writes: existing, gcDeleted: registry.getSingleMetric('dealerscope_evidence_gc_deleted_total') as client.Counter };
    const self = this;
    new client.Gauge({
      name: 'dealerscope_evidence_snapshot_bytes',
      help: 'Bytes of source snapshots kept as evidence (all replicas share the store)',
      registers: [registry],
      async collect() {
        const t = await self.totalsNow().catch(() => null);
        if (t) this.set(t.bytes);
      },
    });
    new client.Gauge({
      name: 'dealerscope_evidence_snapshot_objects',
      help: 'Source snapshots kept as evidence',
      registers: [registry],
      async collect() {
        const t = await self.totalsNow().catch(() => null);
        if (t) this.set(t.objects);
      },
    });
    return {
      writes: new client.Counter({
        name: 'dealerscope_evidence_writes_total',
        help: 'Snapshots kept by this process: stored (new bytes), deduplicated (already there), failed',
        labelNames: ['result'] as const,
        registers: [registry],
      }),
      gcDeleted: new client.Counter({
        name: 'dealerscope_evidence_gc_deleted_total',
        help: 'Snapshots deleted after SNAPSHOT_RETENTION_DAYS',
        registers: [registry],
      }),
    };
  }
}
