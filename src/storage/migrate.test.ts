// A database that cannot be reached is named as such (without its password), not as a migration
// that failed: the CLI and the service start by migrating, so this is the message an operator
// reads when DATABASE_URL points nowhere.
import { describe, expect, it } from 'vitest';
import { openDb } from './db.js';
import { closedPort } from '../../test/support/ports.js';
import { applyMigrations } from './migrate.js';

describe('applyMigrations on a database it cannot reach', () => {
  it('says the database could not be used, where it is, and not the password', async () => {
    const port = await closedPort();
    const db = openDb(`postgres://app:s3cret-pw@127.0.0.1:${port}/nowhere`);
    try {
      const err = (await applyMigrations(db, { one: ['SELECT 1'] }).then(
        () => null,
        (e: unknown) => e,
      )) as Error;
      expect(err).toBeInstanceOf(Error);
      expect(err.message).toMatch(new RegExp(`^cannot use the database \\(postgres://127\\.0\\.0\\.1:${port}/nowhere\\): .*ECONNREFUSED`));
      expect(err.message).not.toContain('s3cret-pw');
      expect(err.message).not.toMatch(/migration/);
    } finally {
      await db.close();
    }
  });
});
