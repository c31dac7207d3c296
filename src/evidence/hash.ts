// Snapshot names: lower-case hex SHA-256. Provenance records them bare (fetched pages) or with a
// `sha256:` prefix (feed files); both name the same snapshot.
import { createHash } from 'node:crypto';

const HEX = /^[0-9a-f]{64}$/;

export const sha256Hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The bare hex hash, or null when the text is not a SHA-256. */
export function normalizeHash(s: string): string | null {
  const hex = s
    .trim()
    .toLowerCase()
    .replace(/^sha256:/, '');
  return HEX.test(hex) ? hex : null;
}
