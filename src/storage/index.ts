// The storage layer's public module: the database handle for SQLite and PostgreSQL (Kysely), the
// wide multi-row upsert the imports write with, the core tables' row types, the Redis handle, settings, keyset paging, scratch databases for batch
// jobs and the generic migration runner. The drivers themselves are loaded by the dialect in use,
// not by this module.
export { POSTGRES_WORDS, SQLITE_WORDS, type DialectWords } from './dialect-words.js';
export { bulkUpsert, upsertRowsPerStatement, type UpsertShape } from './bulk-upsert.js';
export { valuesTable } from './values-table.js';
export { inList, lookupKeysPerStatement } from './in-list.js';
export { atomicWrite } from './atomic-write.js';
export { lookupByGroup } from './lookup-by-group.js';
export { dbBool, isDatabaseUnavailable, openDb, type Db, type OpenDbOptions } from './db.js';
export { readKeyset, type KeysetPosition } from './keyset.js';
export { analyzeStale } from './planner-statistics.js';
export { durableCommit } from './durable-commit.js';
export { openScratchDatabase, type ScratchDatabase } from './scratch.js';
export { applyMigrations, type MigrationReport } from './migrate.js';
export { closeConnection, openRedis, type RedisHandle } from './redis.js';
export {
  toBool,
  type Database,
  type ListingRow,
  type MarketCompRow,
  type NewListing,
  type NewOpportunity,
  type OpportunityRow,
} from './schema.js';
export { getSetting, setSetting, sharedSecret } from './settings.js';
