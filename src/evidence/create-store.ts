// Builds the process's evidence store from the environment: local disk, or an S3-compatible
// bucket when OBJECT_STORE_URL names one. The serving app's evidence plugin owns one; the CLI's
// import, worker and evidence commands build their own.
import type client from 'prom-client';
import type { Clock } from '../common/clock.js';
import type { Db } from '../storage/index.js';
import { DiskBlobStore, S3BlobStore } from './blob-store.js';
import { evidenceSettings, type EvidenceSettings } from './config.js';
import { EvidenceStore } from './store.js';

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
  return new EvidenceStore({
    db: deps.db,
    blobs,
    clock: deps.clock,
    retentionDays: s.retentionDays,
    registry: deps.registry,
    log: deps.log,
  });
}
