// Evidence storage settings from the environment; a wrong value stops the start with a message
// naming the variable.
import { envInt } from '../common/env.js';
import { parseObjectStoreUrl, type S3Location } from './blob-store.js';

export interface EvidenceSettings {
  /** Null: local disk at `dir`. */
  s3: S3Location | null;
  dir: string;
  retentionDays: number;
  /** How often a serving process collects expired snapshots; 0 turns the timer off. */
  gcIntervalMs: number;
}

export function evidenceSettings(env: NodeJS.ProcessEnv): EvidenceSettings {
  const url = env.OBJECT_STORE_URL?.trim();
  const endpoint = env.OBJECT_STORE_ENDPOINT?.trim() || null;
  if (endpoint && !/^https?:\/\/[^/]+/.test(endpoint)) throw new Error(`OBJECT_STORE_ENDPOINT must be an http(s) URL, got "${endpoint}"`);
  if (endpoint && !url) throw new Error('OBJECT_STORE_ENDPOINT is set but OBJECT_STORE_URL (s3://bucket/prefix) is not');
  return {
    s3: url
      ? {
          ...parseObjectStoreUrl(url),
          endpoint,
          region: env.OBJECT_STORE_REGION?.trim() || env.AWS_REGION?.trim() || 'us-east-1',
          timeoutMs: envInt(env, 'OBJECT_STORE_TIMEOUT_MS', 10_000, 100, 300_000),
        }
      : null,
    dir: env.SNAPSHOT_DIR?.trim() || 'data/snapshots',
    retentionDays: envInt(env, 'SNAPSHOT_RETENTION_DAYS', 90, 1, 36_500),
    gcIntervalMs: envInt(env, 'SNAPSHOT_GC_INTERVAL_HOURS', 6, 0, 8_760) * 3_600_000,
  };
}
