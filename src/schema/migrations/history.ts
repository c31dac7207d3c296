// The one migration history, rendered per dialect. Each entry is applied once and recorded by
// Kysely's Migrator in `kysely_migration` under its name, so names never change and an entry that
// has shipped is never edited; statements are listed one by one because better-sqlite3 prepares a
// single statement at a time. Each capability writes its statements once in its own
// migrations.ts, with the dialect's column words (storage's DialectWords) filled in here; SQL that
// differs per dialect beyond those words would say so beside it (none does today).
import { dealersMigration } from '../../dealers/index.js';
import { evidenceMigration } from '../../evidence/index.js';
import { incidentsMigration } from '../../incidents/index.js';
import { ingestMigrations } from '../../ingest/index.js';
import { notificationsMigration } from '../../notifications/index.js';
import { bidCeilingMigration, changeSeqMigration, honestRankingMigration, valuationBasisMigration } from '../../opportunities/index.js';
import { importLookupIndexes, qualityMigration, qualitySampleIndexes, vinDecodesMigration, vinPatternIndex } from '../../quality/index.js';
import { securityMigration } from '../../security/index.js';
import { POSTGRES_WORDS, SQLITE_WORDS } from '../../storage/index.js';
import { coreMigrations } from './core.js';
import { filterSortIndexes, makeStateSortIndexes } from './filter-sort-indexes.js';

export type Dialect = 'sqlite' | 'postgres';

export function migrationHistory(dialect: Dialect): Record<string, string[]> {
  const words = dialect === 'postgres' ? POSTGRES_WORDS : SQLITE_WORDS;
  return {
    security_001_keys_sessions: securityMigration(words),
    ...coreMigrations(words),
    '002_filter_sort_indexes': filterSortIndexes(words.active),
    '003_make_state_sort_indexes': makeStateSortIndexes(words.active),
    quality_001_tables: qualityMigration(words),
    ...ingestMigrations(words),
    quality_002_sample_indexes: qualitySampleIndexes(words.active),
    quality_003_vin_decodes: vinDecodesMigration(words.big),
    opportunities_004_valuation_basis: valuationBasisMigration(),
    opportunities_005_honest_ranking: honestRankingMigration(words.active),
    notifications_001_outbox: notificationsMigration(words),
    incidents_001_tables: incidentsMigration(words),
    evidence_001_index: evidenceMigration(words),
    opportunities_006_bid_ceiling: bidCeilingMigration(),
    dealers_001_workspace: dealersMigration(words),
    opportunities_007_change_seq: changeSeqMigration(words.big),
    quality_004_import_lookup_indexes: importLookupIndexes(),
    quality_005_vin_pattern_index: vinPatternIndex(),
  };
}
