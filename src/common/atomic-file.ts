// A file other processes read while this one may be writing it (a cache beside the package, a
// build output): written under a temporary name and renamed, so a reader sees the old file or
// the whole new one, never half of it.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Writes `data` to `path` whole or not at all; throws what the writing threw, leaving no temporary file. */
export function writeFileAtomically(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // Nothing was written where nothing can be.
    }
    throw err;
  }
}
