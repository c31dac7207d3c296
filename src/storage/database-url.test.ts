// DATABASE_URL: SQLite or PostgreSQL, and anything else refused by name rather than taken for a
// SQLite file named after the URL (a mistyped postgress://… once made one and imported into it).
import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from './db.js';

describe('parseDatabaseUrl', () => {
  it.each([
    ['sqlite:./data/dealerscope.db', 'sqlite', './data/dealerscope.db'],
    ['sqlite::memory:', 'sqlite', ':memory:'],
    ['./plain/path.db', 'sqlite', './plain/path.db'],
    ['postgres://u:p@127.0.0.1:5432/db', 'postgres', 'postgres://u:p@127.0.0.1:5432/db'],
    ['PostgreSQL://127.0.0.1/db', 'postgres', 'PostgreSQL://127.0.0.1/db'],
  ])('reads %s', (url, dialect, target) => {
    expect(parseDatabaseUrl(url)).toEqual({ dialect, target });
  });

  it.each(['mysql://root:secret@db/x', 'postgress://u:secret@db/x', 'redis://127.0.0.1:6379'])(
    'refuses %s, quoting only its scheme',
    (url) => {
      let message = '';
      try {
        parseDatabaseUrl(url);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toBe(`DATABASE_URL must be sqlite:PATH or postgres://…; "${url.slice(0, url.indexOf(':'))}:" is neither`);
      expect(message).not.toContain('secret');
    },
  );
});
