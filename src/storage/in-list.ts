// IN lists of a few lengths. An import asks for stored rows a batch at a time, and each batch's
// lots, VINs or ids come to a different count: on SQLite every count was a statement of its own
// to prepare (better-sqlite3 keeps one per SQL text in db.ts's cache), about 250 of them for the
// benchmark's 20,000-listing file, and `SELECT * FROM listings` alone took 1.2 ms to prepare.

/**
 * `values` padded with its last value to one of a few lengths: itself up to 8, and above that the
 * next multiple of a quarter of the power of two below it (9–16 in steps of 2, 17–32 in steps of
 * 4, …, 257–512 in steps of 64), so a padded list is at most a quarter longer. An IN list matches
 * the same rows whatever it repeats.
 */
export function inList<T>(values: readonly T[]): T[] {
  const n = values.length;
  const out = [...values];
  if (n <= 8) return out;
  const step = 2 ** (Math.floor(Math.log2(n - 1)) - 2);
  const size = Math.ceil(n / step) * step;
  const last = values[n - 1]!;
  while (out.length < size) out.push(last);
  return out;
}

/**
 * Keys a batch's IN-list lookup asks for at once. On PostgreSQL a batch's lots (334 in an import's
 * batches in flight) fit one statement, where 300 took two round trips; SQLite keeps 300, its
 * lookups being calls on this thread.
 */
export const lookupKeysPerStatement = (dialect: 'sqlite' | 'postgres'): number => (dialect === 'sqlite' ? 300 : 1000);
