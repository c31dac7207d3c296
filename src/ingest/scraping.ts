// The scraping stack, which the public module hands out only through loadScraping(): the sources
// section, the source adapters and their fetcher, the runner and the scheduled queue. A serving
// replica with no sources configured never loads any of it (nor BullMQ's Redis client).
export { startIngestion, type Ingestion, type IngestionOptions } from './scheduler/ingestion.js';
export { SourceRunner } from './scheduler/source-runner.js';
export { adapterFor, apiKeyFor, hostPolicyFor, loadSourcesConfig, SOURCES_CONFIG_VALIDATOR, SOURCES_SCHEMA } from './sources/config.js';
export { BudgetExhaustedError, evidenceKey } from './sources/fetcher.js';
