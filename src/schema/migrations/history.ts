// The one migration history, rendered per dialect. Each entry is applied once and recorded by
// Kysely's Migrator in `kysely_migration` under its name, so names never change and an entry that
// has shipped is never edited; statements are listed one by one because better-sqlite3 prepares a
// single statement at a time. Where a capability's SQL differs per dialect beyond column words
// (PostgreSQL-only types, CONCURRENTLY, SQLite table rebuilds) it keeps one list per dialect in its
// own migrations.ts and this file picks the dialect's.
import { dealersPostgresMigration, dealersSqliteMigration } from '../../dealers/index.js';
import { evidencePostgresMigration, evidenceSqliteMigration } from '../../evidence/index.js';
import { incidentsPostgresMigration, incidentsSqliteMigration } from '../../incidents/index.js';
import { ingestPostgresMigrations, ingestSqliteMigrations } from '../../ingest/index.js';
import { notificationsPostgresMigration, notificationsSqliteMigration } from '../../notifications/index.js';
import { bidCeilingMigration, changeSeqMigration, honestRankingMigration, valuationBasisMigration } from '../../opportunities/index.js';
import { qualityPostgresMigration, qualitySampleIndexes, qualitySqliteMigration, vinDecodesMigration } from '../../quality/index.js';
import { securityPostgresMigration, securitySqliteMigration } from '../../security/index.js';
import { coreMigrations, POSTGRES_WORDS, SQLITE_WORDS } from './core.js';
import { filterSortIndexes, makeStateSortIndexes } from './filter-sort-indexes.js';

export type Dialect = 'sqlite' | 'postgres';

export function migrationHistory(dialect: Dialect): Record<string, string[]> {
  const pg = dialect === 'postgres';
  const words = pg ? POSTGRES_WORDS : SQLITE_WORDS;
  return {
    security_001_keys_sessions: pg ? securityPostgresMigration : securitySqliteMigration,
    ...coreMigrations(words),
    '002_filter_sort_indexes': filterSortIndexes(words.active),
    '003_make_state_sort_indexes': makeStateSortIndexes(words.active),
    quality_001_tables: pg ? qualityPostgresMigration : qualitySqliteMigration,
    ...(pg ? ingestPostgresMigrations : ingestSqliteMigrations),
    quality_002_sample_indexes: qualitySampleIndexes(words.active),
    quality_003_vin_decodes: vinDecodesMigration(words.big),
    opportunities_004_valuation_basis: valuationBasisMigration(),
    opportunities_005_honest_ranking: honestRankingMigration(words.active),
    notifications_001_outbox: pg ? notificationsPostgresMigration : notificationsSqliteMigration,
    incidents_001_tables: pg ? incidentsPostgresMigration : incidentsSqliteMigration,
    evidence_001_index: pg ? evidencePostgresMigration : evidenceSqliteMigration,
    opportunities_006_bid_ceiling: bidCeilingMigration(),
    dealers_001_workspace: pg ? dealersPostgresMigration : dealersSqliteMigration,
    opportunities_007_change_seq: changeSeqMigration(words.big),
  };
}
