// One replica's flag control plane, as the service, the worker and the `flags` commands build it.
// Replicas of one database find each other without configuration: the channel their changes are
// announced on (and the rollout's lease and fleet keys) are named after a secret kept in that
// database.
import { createHash } from 'node:crypto';
import { sharedSecret, type Db } from '../storage/index.js';
import { FlagControl, type FlagControlOptions } from './flag-control.js';

/** Replicas of one database share a channel and a lease without extra configuration. */
export async function controlPlaneId(db: Db): Promise<string> {
  return createHash('sha256')
    .update(await sharedSecret(db, 'flag_channel'))
    .digest('hex')
    .slice(0, 16);
}

export const flagChannel = (id: string) => `dealerscope:flags:${id}`;

/** The control plane's options but its channel, which is derived from the database. */
export type FlagControlDeps = Omit<FlagControlOptions, 'channel'>;

/** The control plane with the persisted overrides and phase already in force. */
export async function createFlagControl(deps: FlagControlDeps): Promise<FlagControl> {
  const control = new FlagControl({ ...deps, channel: flagChannel(await controlPlaneId(deps.db)) });
  // A replica starts with them in force, before it serves anything.
  await control.load('start');
  return control;
}
