// The evidence capability: source snapshots kept by SHA-256 (local disk or an S3-compatible
// bucket), retention and garbage collection, size metrics, the admin download route, and the
// re-extraction check of provenance against the stored page.

export { DiskBlobStore, parseObjectStoreUrl, S3BlobStore, type BlobStore } from './blob-store.js';
export { evidenceSettings, type EvidenceSettings } from './config.js';
export { normalizeHash, sha256Hex } from './hash.js';
export { evidenceMigration } from './migrations.js';
export { createEvidenceStore, type CreateEvidenceDeps } from './create-store.js';
export { evidencePlugin, type EvidencePluginOptions } from './plugin.js';
export { evidenceRoutes, type EvidenceRoutesOptions } from './routes.js';
export { EvidenceStore, SnapshotCorruptError, type GcReport, type StoredSnapshot } from './store.js';
export type { VerifyDeps, VerifyReport } from './verify.js';

/** Exit codes of `provenance verify`: every field matches; could not run; fields differ; evidence missing or unusable. */
export const VERIFY_EXIT = { match: 0, failed: 1, drift: 2, evidenceMissing: 3 } as const;

/**
 * Re-runs the recorded extractor on the stored snapshot (see verify.ts). Loaded on first use: the
 * check pulls in every source adapter, which a serving process has no reason to carry.
 */
export async function verifyProvenance(
  ...args: Parameters<typeof import('./verify.js').verifyProvenance>
): ReturnType<typeof import('./verify.js').verifyProvenance> {
  return (await import('./verify.js')).verifyProvenance(...args);
}

/** Thrown by verifyProvenance when it cannot run (no such id, no provenance, extractor unavailable). */
export async function isVerifyError(err: unknown): Promise<boolean> {
  return err instanceof (await import('./verify.js')).VerifyError;
}
