// `npm run eval [-- SET.json] [--json]`: scores the engine on an evaluation set in a fresh SQLite
// database and prints the table. Exit 0 when every target is met, 2 when some is missed, 1 when it
// could not run.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../src/common/paths.js';
import { openDb } from '../src/storage/db.js';
import { migrate } from '../src/schema/migrate.js';
import { evaluateSet } from './evaluate.js';
import { formatReport, meetsTargets } from './measure.js';
import type { EvalSet } from './set-format.js';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(
      'Usage: npm run eval [-- SET.json] [--json]\nScores the engine on an evaluation set (default eval/sets/primary.json; make one with node dist/eval/generate.js).\nExit 0 when every target is met, 2 when one is missed, 1 when the set cannot be read.',
    );
    return 0;
  }
  const path = resolve(positionals[0] ?? join(packageRoot(), 'eval', 'sets', 'primary.json'));
  const set = JSON.parse(readFileSync(path, 'utf8')) as EvalSet;
  if (set.version !== 1 || !Array.isArray(set.listings)) throw new Error(`${path} is not an evaluation set (version 1)`);
  const dir = mkdtempSync(join(tmpdir(), 'dealerscope-eval-'));
  const db = openDb(`sqlite:${join(dir, 'eval.db')}`);
  try {
    await migrate(db);
    const step = (label: string) => (done: number, total: number) => {
      if (done === total || done % 1000 === 0) process.stderr.write(`${label}: ${done}/${total}\n`);
    };
    const { report } = await evaluateSet(set, db, step);
    console.log(values.json ? JSON.stringify(report) : formatReport(report, path));
    return meetsTargets(report) ? 0 : 2;
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`eval: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
