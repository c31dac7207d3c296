// The opportunities capability's public module: the listing and comparable types, the valuation
// engine, the write side (listings stored with their appraisal, the data and comps versions that
// key caches and engine fingerprints), the read side and its API (query parsing, cursors, schemas,
// routes, serialization, and the ports its routes call that other capabilities implement), the
// sweep of ended auctions, and the capability's schema changes.

// Domain types.
export type { Comp, ListingInput, OpportunityStatus, TitleStatus, VehicleAttributes } from './types.js';

// The valuation engine, and the fingerprint that says which engine and parameters priced a row.
export {
  bidCeilingCents,
  classifyStatus,
  computeFees,
  computeScore,
  computeTransport,
  configuredDealer,
  DEFAULT_TARGET_PROFIT_CENTS,
  DEFAULT_TARGET_ROI_BP,
  DEFAULT_TARGETS,
  familyOf,
  makeSpellings,
  premiumAtFor,
  ratioBp,
  sameBrand,
  squeezeMake,
  titleMultiplier,
  valueFromComps,
  vehicleClass,
  type Location,
  type Targets,
} from './engine/index.js';
export { ENGINE_VERSION, engineFingerprint, paramsHash } from './engine/fingerprint.js';

// The write side: stored listings and opportunities, comparables, and the versions an import bumps.
export { CompIndex, loadCompIndex } from './comps-store.js';
export { DATA_VERSION_CHANNEL, DataVersionWatcher, notifyDataVersion } from './data-version.js';
export {
  LISTING_CORE_COLUMNS,
  listingCoreFromRow,
  listingFromRow,
  opportunityValues,
  retryingConflicts,
  storedHash,
  storeListings,
  upsertOpportunities,
  type ListingCore,
  type StoreOptions,
  type StoreResult,
} from './store.js';
export { bumpCompsVersion, bumpDataVersion, readChangeSeq, readCompsVersion, readDataVersion } from './versions.js';
export { endedAuctionsPlugin, withdrawClosedLots } from './ended-sweeper.js';
export { bidCeilingMigration, changeSeqMigration, honestRankingMigration, valuationBasisMigration } from './migrations.js';

// The read side and the API.
export { ErrorSchema, OpportunitySchema, type Opportunity } from './api-schema.js';
export { cacheKeys, popularityKey } from './cache-keys.js';
export { CursorCodec, type CursorPosition } from './cursor.js';
export { matchKey, parseListQuery, type ListFilters, type Sort } from './list-query.js';
export { databaseReads, type OpportunityReads } from './read-service.js';
export { opportunityRoutes } from './routes.js';
export type { PersonalListRequest, PersonalPage, ResponseCache } from './route-ports.js';
export { toOpportunity } from './serialize.js';
