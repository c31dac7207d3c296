// The dealerscope command as an operator runs it: exit codes as the README documents them, --help everywhere.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { movedLikeTheSample } from './support/fixture-dates.js';
import { runCli } from './support/cli.js';
import { closedPort } from './support/ports.js';

const run = promisify(execFile);
const CLI = new URL('../bin/dealerscope.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'ds-cli-'));
const env = {
  ...process.env,
  DATABASE_URL: `sqlite:${join(dir, 'cli.db')}`,
  DEALERSCOPE_ENV: 'development',
  SNAPSHOT_DIR: join(dir, 'snapshots'),
};

const cli = (...args: string[]) => runCli(args, env);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The fixtures' auctions end in the first days of December 2026; the CLI judges them against the
// real clock, so they move forward as the bundled sample does.
const ENDS_AT = movedLikeTheSample('2026-12-05T18:00:00Z');
function mixedFeed(): string {
  const file = join(dir, 'mixed.csv');
  writeFileSync(file, movedLikeTheSample(readFileSync(new URL('./fixtures/feeds/mixed.csv', import.meta.url), 'utf8')));
  return file;
}

describe('dealerscope CLI', () => {
  it('exits 2 when some rows were rejected, naming each with its row number', async () => {
    const r = await cli('ingest', '--file', mixedFeed());
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/10 rows: 3 published \(3 new, 0 updated, 0 unchanged\), 0 quarantined, 7 rejected/);
    expect(r.stderr).toMatch(/row 4 \(lot PS-1\)/);
    expect(r.stderr).toMatch(/row 8: .*lot_id/);
  });

  it('exits 0 when every row landed, and a re-run changes nothing', async () => {
    const file = join(dir, 'good.json');
    writeFileSync(
      file,
      JSON.stringify([
        {
          source: 'govdeals',
          lot_id: 'J-1',
          title: '2019 Ford F-150',
          year: 2019,
          make: 'Ford',
          model: 'F-150',
          current_bid: 9000,
          auction_end: ENDS_AT,
          state: 'TX',
        },
      ]),
    );
    const first = await cli('ingest', '--file', file, '--json');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ accepted: 1, created: 1, rejected: [] });
    const second = await cli('ingest', '--file', file, '--json');
    expect(JSON.parse(second.stdout)).toMatchObject({ accepted: 1, created: 0, unchanged: 1 });
  });

  it('honours FF_* flags: the data contract quarantines only while schema validation is on', async () => {
    const row = (lot: string) => ({
      source: 'govdeals',
      lot_id: lot,
      title: '2019 Ford F-150',
      year: 2019,
      make: 'Ford',
      model: 'F-150',
      vin: '1FTEW1EP5KFA00001',
      current_bid: 9000,
      auction_end: ENDS_AT,
      state: 'TX',
    });
    const on = join(dir, 'contract-on.json');
    writeFileSync(on, JSON.stringify([row('Q-1')]));
    const quarantined = await cli('ingest', '--file', on);
    // A quarantined row is not published: it is counted, listed with its reasons, and the exit is 2.
    expect(quarantined.code).toBe(2);
    expect(quarantined.stdout).toMatch(/1 rows: 0 published .*, 1 quarantined, 0 rejected/);
    expect(quarantined.stderr).toMatch(/quarantined by the data contract[\s\S]*row 1 \(govdeals lot Q-1\): /);
    const json = await cli('ingest', '--file', on, '--json');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).quarantined).toMatchObject([
      { row: 1, lotId: 'Q-1', source: 'govdeals', reasons: [expect.objectContaining({ rule: expect.any(String) })] },
    ]);
    const off = join(dir, 'contract-off.json');
    writeFileSync(off, JSON.stringify([row('Q-2')]));
    const r = await run(process.execPath, [CLI, 'ingest', '--file', off, '--json'], {
      env: { ...env, FF_ENABLE_SCHEMA_VALIDATION: 'false' },
    });
    // run() rejects on a non-zero exit, so reaching here means exit 0.
    expect(JSON.parse(r.stdout).quarantined).toEqual([]);
  });

  it('runs the benchmark as `dealerscope bench`, writing its JSON where --out says', async () => {
    const out = join(dir, 'bench-out');
    const r = await run(
      process.execPath,
      [
        CLI,
        'bench',
        '--quick',
        '--rows',
        '400',
        '--duration',
        '1',
        '--connections',
        '8',
        '--dialects',
        'sqlite',
        '--no-redis',
        '--out',
        out,
      ],
      { env, timeout: 230_000 },
    );
    expect(r.stdout).toMatch(/^Targets$/m);
    expect(r.stdout).toMatch(/cached ≥ 60 % of bare Fastify \(gzip clients\), in every back-to-back pair +\| +sqlite/);
    expect(r.stderr).toMatch(/\[bench +\d+ s\] sqlite: \(b\) cache off/); // progress on stderr
    const latest = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as {
      settings: { rows: number };
      results: Array<{ dialect: string; runs: Array<{ requests: number; errorRate: number }> }>;
      ingest: Array<{ dialect: string; rows: number; storedBefore: number; listingsPerSecond: number }>;
    };
    expect(latest.settings.rows).toBe(400);
    // The import scenario: a file into a fresh database, then the next file into what it stored.
    expect(latest.ingest.map((i) => [i.dialect, i.rows])).toEqual([
      ['sqlite', 5000],
      ['sqlite', 5000],
    ]);
    expect(latest.ingest[0]!.storedBefore).toBe(0);
    expect(latest.ingest[1]!.storedBefore).toBeGreaterThan(4800);
    for (const i of latest.ingest) expect(i.listingsPerSecond).toBeGreaterThan(0);
    expect(latest.results.map((x) => x.dialect)).toEqual(['sqlite']);
    for (const m of latest.results[0]!.runs) {
      expect(m.requests).toBeGreaterThan(0);
      expect(m.errorRate).toBe(0);
    }
    const bad = await cli('bench', '--dialects', 'mysql');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--dialects takes sqlite and\/or postgres/);
  }, 240_000);

  it('exits 1 when it cannot run', async () => {
    expect((await cli('ingest', '--file', join(dir, 'missing.csv'))).code).toBe(1);
    const notArray = join(dir, 'object.json');
    writeFileSync(notArray, '{"source":"govdeals"}');
    const r = await cli('ingest', '--file', notArray);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/array/i);
    expect((await cli('no-such-command')).code).toBe(1);
  });

  it('answers --help on every command', async () => {
    const top = await cli('--help');
    expect(top.code).toBe(0);
    const commands = [...top.stdout.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1] as string).filter((c) => c !== 'help');
    expect(commands).toEqual(expect.arrayContaining(['serve', 'migrate', 'ingest', 'comps']));
    const listed = (help: string) =>
      [...(help.split(/^Commands:$/m)[1] ?? '').matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1] as string).filter((c) => c !== 'help');
    // A few at a time: every start loads Node and the CLI, and two cores running dozens of them at
    // once would time out on start-up, not on anything --help does.
    const queue = [...commands];
    const worker = async () => {
      for (let c = queue.shift(); c !== undefined; c = queue.shift()) await helpOf(c);
    };
    const helpOf = async (c: string) => {
      const h = await cli(c, '--help');
      expect(h.code, c).toBe(0);
      expect(h.stdout, c).toMatch(/Usage: dealerscope/);
      // Subcommands (flags get, rollout gate, …) answer --help too.
      for (const sub of listed(h.stdout)) {
        const sh = await cli(c, sub, '--help');
        expect(sh.code, `${c} ${sub}: ${sh.stderr.slice(0, 300)}`).toBe(0);
        expect(sh.stdout, `${c} ${sub}`).toMatch(new RegExp(`Usage: dealerscope ${c} ${sub}`));
      }
    };
    await Promise.all(Array.from({ length: 3 }, worker));
    expect((await cli('comps', 'import', '--help')).stdout).toMatch(/Sale Price/);
  }, 240_000);

  it('rollout commands exit 2 on wrong usage: rearm without --reason, a missing argument', async () => {
    const noReason = await cli('rollout', 'rearm', 'all');
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain("required option '-r, --reason <text>' not specified");
    expect((await cli('rollout', 'rearm')).code).toBe(2);
    const badState = await cli('rollout', 'dry-run', 'maybe');
    expect(badState.code).toBe(2);
    expect(badState.stderr).toContain('state must be on or off, not "maybe"');
    // Numbers are checked before anything is asked of the service.
    for (const args of [
      ['rollout', 'decisions', '--limit', 'abc'],
      ['rollout', 'decisions', '--limit', '0'],
      ['rollout', 'rollback', '--phase', '9', '--reason', 'x'],
    ]) {
      const r = await cli(...args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(/argument '[^']*' is invalid\. must be a whole number 1–(500|4)/);
    }
    const audit = await cli('flags', 'audit', '--limit', '1.5');
    expect(audit.code).toBe(1);
    expect(audit.stderr).toContain("option '-n, --limit <n>' argument '1.5' is invalid. must be a whole number 1–1000");
  });

  it('rollout commands name the address they could not reach', async () => {
    const port = await closedPort();
    const r = await run(process.execPath, [CLI, 'rollout', 'status'], {
      env: { ...env, DEALERSCOPE_URL: `http://127.0.0.1:${port}`, ADMIN_TOKEN: 'test-admin-token-0123456789' },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code?: number; stderr?: string }) => ({ code: e.code, stderr: e.stderr ?? '' }),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot reach http://127.0.0.1:${port} (DEALERSCOPE_URL): ECONNREFUSED`);
  });

  it('migrates idempotently', async () => {
    const r = await cli('migrate');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/up to date|applied/);
    expect((await cli('migrate')).stdout).toMatch(/up to date/);
  });

  it('dealers create names each bad value under the option that sets it, once', async () => {
    const r = await cli('dealers', 'create', '--name', '', '--zip', '75201', '--recon', '-5');
    expect(r.code).toBe(1);
    const message = r.stderr.trim();
    expect(message).toMatch(/--recon: must be 0–1000000 dollars \(leave the option out for the default\)/);
    expect(message).not.toContain('--recon-per-vehicle');
    expect(message.match(/--name:/g)).toHaveLength(1);
  });
});
