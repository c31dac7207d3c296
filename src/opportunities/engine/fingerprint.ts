// Names the engine that priced an opportunity: its code version, its parameters and the version of
// the comparables it saw. Stored with each listing's content hash, so a listing whose content is
// unchanged is still re-priced when any of the three changed since.
import { createHash } from 'node:crypto';
import type { ArbitrageParams } from '../../config/index.js';

/** Bump when the engine's arithmetic changes in a way that moves published figures. */
export const ENGINE_VERSION = '5.3.0';

export function paramsHash(params: ArbitrageParams): string {
  return createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 12);
}

export function engineFingerprint(params: ArbitrageParams, compsVersion: number): string {
  return `e${ENGINE_VERSION}.p${paramsHash(params)}.c${compsVersion}`;
}
