// Flags as a one-shot process (a CLI import) sees them: the same layers a replica evaluates,
// read once from the database, so `ingest` honours the rollout phase, FF_* and overrides.
import type { ServiceConfig } from '../config/index.js';
import type { Db } from '../storage/index.js';
import { FlagService } from './flag-service.js';
import { readOverrides } from './overrides-store.js';
import { defaultPhase, readPhaseRecord } from './phase-store.js';

export async function loadFlagsFromDb(db: Db, config: ServiceConfig): Promise<FlagService> {
  const record = await readPhaseRecord(db, config.env);
  const flags = new FlagService({ env: config.env, rawEnv: config.raw, phase: record?.phase ?? defaultPhase(config.env) });
  flags.setOverrides(await readOverrides(db));
  return flags;
}
