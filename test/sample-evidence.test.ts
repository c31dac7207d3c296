// The bundled sample's provenance can be verified like any import's: the feed a fresh install
// imports is kept in the evidence store under the hash its provenance names. It was imported
// without the store, so every sample listing's provenance pointed at bytes nobody kept, and
// `dealerscope provenance verify` answered EVIDENCE MISSING on a fresh install.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/env.js';
import { createEvidenceStore } from '../src/evidence/index.js';
import { startService, type RunningService } from '../src/http/service.js';
import { sha256Hex } from '../src/evidence/index.js';

describe('the sample feed as evidence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ds-sample-evidence-'));
  let service: RunningService | null = null;
  afterAll(async () => {
    await service?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is kept under the hash every sample listing’s provenance names', async () => {
    const env = {
      ADMIN_TOKEN: 'test-admin-token-0123456789',
      LOG_LEVEL: 'silent',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${join(dir, 'ds.db')}`,
      SNAPSHOT_DIR: join(dir, 'snapshots'),
    };
    service = await startService(loadConfig(env), { logger: false });
    const db = service.ctx.db;
    const hashes = await db.kysely
      .selectFrom('quality_provenance')
      .select('snapshot_hash')
      .distinct()
      .where('origin', '=', 'sample')
      .execute();
    expect(hashes).toHaveLength(1);
    const store = createEvidenceStore({ db, clock: service.ctx.clock, env });
    try {
      const kept = await store.get(hashes[0]!.snapshot_hash);
      expect(kept).not.toBeNull();
      expect(`sha256:${sha256Hex(kept!.bytes)}`).toBe(hashes[0]!.snapshot_hash);
      expect(kept!.bytes.toString('utf8')).toMatch(/^source,lot_id,/);
    } finally {
      await store.close();
    }
  }, 120_000);
});
