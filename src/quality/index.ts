// The quality capability's public module: the quality stage every ingestion runs (listing
// contract and quarantine, anomaly detection against peers, provenance of each field, VIN rules
// and decoding), re-appraisal of stored listings, the measurements and operator verdicts the CLI
// reads, the plugin the HTTP layer registers (service, routes, monitor), and the capability's
// tables.

// What a reader hands to the pipeline, and the pipeline itself.
export type { ListingBatch, ListingOrigin, RejectedRow } from './batch.js';
export { addQualitySummary, emptyQualitySummary, QualityStage, type QualityFlags, type QualitySummary } from './pipeline.js';
export { countRejected, listQuarantine, recordContractRun } from './contract/quarantine-store.js';

// Anomaly detection: peer features for the batch (in memory, or on disk for a streamed import),
// the detector, and operator verdicts.
export { loadPopulationInto } from './anomaly/anomaly-store.js';
export { detectAnomalies, listingKey, peerFeature, Peers, type PeerFeature, type PeerIndex } from './anomaly/detector.js';
export { PeerFile, type StagedPeer } from './anomaly/peer-file.js';
export { isAnomalyStatus, listAnomalies, markFalsePositive } from './anomaly/verdicts.js';

// VIN rules, and the decoder whose results are kept with each listing.
export { extractMileage, extractVin, normalizeVin, vinCheckDigitValid, vinModelYear, vinProblems } from './vin.js';
export type { VinDecoder } from './vin-decoding/decoder.js';
export { decodeAndStore } from './vin-decoding/decode-store.js';

// Provenance of the published fields.
export { LISTING_FIELD_PATHS, LISTING_FIELDS } from './provenance/fields.js';
export { readStoredFields, type StoredFields } from './provenance/records.js';

// Re-appraisal, measurements, and what the HTTP layer mounts.
export { reappraiseAll, reappraiseRows } from './reappraise.js';
export { reconcileDuplicateVins, refreshOpenDuplicateVins } from './duplicate-vins.js';
export { measureQuality } from './measure.js';
export { qualityPlugin, type QualityPluginOptions } from './plugin.js';
export { importLookupIndexes, qualityMigration, qualitySampleIndexes, vinDecodesMigration, vinPatternIndex } from './storage/migrations.js';
