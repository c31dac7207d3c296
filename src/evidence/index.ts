// The evidence capability: source snapshots kept by SHA-256 (local disk or an S3-compatible
// bucket), retention and garbage collection, size metrics, the admin download route, and the
// re-extraction check of provenance against the stored page.
import type client from 'prom-client';
import type { Clock } from '../shared/clock.js';
import type { Db } from '../storage/db.js';
import { DiskBlobStore, S3BlobStore } from './blob-store.js';
import { evidenceSettings, type EvidenceSettings } from './config.js';
import { EvidenceStore } from './store.js';

export { DiskBlobStore, parseObjectStoreUrl, S3BlobStore, type BlobStore } from './blob-store.js';
export { evidenceSettings, type EvidenceSettings } from './config.js';
export { normalizeHash, sha256Hex } from './hash.js';
export { evidencePostgresMigration, evidenceSqliteMigration } from './migrations.js';
export { evidenceRoutes, type EvidenceRoutesOptions } from './routes.js';
export { EvidenceStore, SnapshotCorruptError, type GcReport, type KeepInput, type SnapshotSink, type StoredSnapshot } from './store.js';
export { VERIFY_EXIT, verifyProvenance, type VerifyReport } from './verify.js';

export interface CreateEvidenceDeps {
  db: Db;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  registry?: client.Registry;
  log?: (msg: string) => void;
  /** Already parsed settings (tests); else read from `env`. */
  settings?: EvidenceSettings;
}

export function createEvidenceStore(deps: CreateEvidenceDeps): EvidenceStore {
  const s = deps.settings ?? evidenceSettings(deps.env);
  const blobs = s.s3 ? new S3BlobStore(s.s3) : new DiskBlobStore(s.dir);
  return new EvidenceStore({ db: deps.db, blobs, clock: deps.clock, retentionDays: s.retentionDays, registry: deps.registry, log: deps.log });
}
