// Sorting text the way the code, not a reader, wants it: by UTF-16 code unit. Deterministic on
// every host, and it never loads ICU's collation data, which `localeCompare` maps into the
// process (about 3 MB of RSS for good) the first time anything calls it.

export const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A copy of `items` sorted by `keyOf` (code units), each key computed once rather than per comparison. */
export function inKeyOrder<T>(items: readonly T[], keyOf: (item: T) => string): T[] {
  return items
    .map((item) => [keyOf(item), item] as const)
    .sort(([a], [b]) => byCodeUnit(a, b))
    .map(([, item]) => item);
}
