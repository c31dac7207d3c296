// The SQLite statement cache holds the API's many small shapes, and only a bounded amount of the
// bulk statements an import prepares: their native memory grows with their bound values.
import { describe, expect, it } from 'vitest';
import { STATEMENT_CACHE_SQL_CHARS, statementCache } from './db.js';

const insert = (rows: number) => `insert into "t" ("a", "b") values ${Array.from({ length: rows }, () => '(?, ?)').join(', ')}`;

describe('statementCache', () => {
  it('keeps 256 small shapes', () => {
    const cache = statementCache<object>();
    for (let i = 0; i < 300; i++) cache.set(`select * from "t" where "id" = ? and "n" > ${i}`, {});
    expect(cache.size).toBe(256);
  });

  it('keeps bulk statements only up to its SQL budget, the most recently used first', () => {
    const cache = statementCache<object>();
    const hot = insert(200);
    cache.set(hot, {});
    for (let rows = 1; rows <= 300; rows++) {
      cache.set(insert(rows + 200), {});
      cache.get(hot);
    }
    expect(cache.calculatedSize).toBeLessThanOrEqual(STATEMENT_CACHE_SQL_CHARS);
    expect(cache.size).toBeLessThan(100);
    expect(cache.has(hot)).toBe(true);
    expect(cache.has(insert(201))).toBe(false);
  });
});
