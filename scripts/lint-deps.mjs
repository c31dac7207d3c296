#!/usr/bin/env node
// npm run lint:deps — dependency-cruiser's rules (.dependency-cruiser.cjs) plus the check that
// matters most for a modular monolith: the graph of src/'s top-level folders has no cycle,
// counting type-only imports. Prints the folders in cycles (runtime imports, and all imports)
// with one example import per edge of each cycle; exits 1 when there is a cycle or a violation.
//
// It also counts imports that bypass a folder's public module: a capability exposes one module,
// src/<folder>/index.ts, and another folder importing any other file of it is a bypass. Folders
// not yet converted are listed with their current count in scripts/public-modules.json; a listed
// count may only fall (the check fails when it rises, and when it falls without the file being
// lowered, so the allowlist only shrinks), and an unlisted folder fails on its first bypass.
// `common` is plumbing with no single entry point and is not counted; the composition folders
// (http, cli, schema) are importers only.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let out;
try {
  out = execFileSync('npx', ['depcruise', 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
} catch (err) {
  // depcruise exits non-zero when a rule is violated; its JSON is still on stdout.
  if (!err.stdout) throw err;
  out = err.stdout;
}
const result = JSON.parse(out);

const top = (p) => (/^src\/([^/]+)\//.exec(p) ?? [])[1];
const TYPE_ONLY = new Set(['type-only', 'type-import', 'pre-compilation-only']);
const graphs = { runtime: new Map(), all: new Map() };
const example = new Map();
for (const m of result.modules) {
  const from = top(m.source);
  if (!from) continue;
  for (const d of m.dependencies) {
    const to = top(d.resolved);
    if (!to || to === from) continue;
    const typeOnly = d.dependencyTypes.some((t) => TYPE_ONLY.has(t));
    const add = (g) => (g.get(from) ?? g.set(from, new Set()).get(from)).add(to);
    add(graphs.all);
    if (!typeOnly) add(graphs.runtime);
    const key = `${from}>${to}`;
    if (!example.has(key) || !typeOnly) example.set(key, `${m.source} → ${d.resolved}${typeOnly ? ' (type)' : ''}`);
  }
}

/** Tarjan's strongly connected components with more than one folder. */
function cycles(g) {
  let index = 0;
  const stack = [],
    on = new Set(),
    idx = new Map(),
    low = new Map(),
    out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const c = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1) out.push(c.sort());
    }
  };
  for (const v of new Set([...g.keys(), ...[...g.values()].flatMap((s) => [...s])])) if (!idx.has(v)) visit(v);
  return out;
}

const edges = (g) => [...g.values()].reduce((a, s) => a + s.size, 0);
const folders = new Set(result.modules.map((m) => top(m.source)).filter(Boolean));
console.log(
  `folder graph of src/: ${folders.size} folders, ${edges(graphs.all)} edges between them (${edges(graphs.runtime)} with a runtime import)`,
);

let failed = false;
for (const kind of ['runtime', 'all']) {
  const found = cycles(graphs[kind]);
  const n = found.reduce((a, c) => a + c.length, 0);
  console.log(`folders of src/ in import cycles (${kind === 'all' ? 'runtime and type imports' : 'runtime imports'}): ${n}`);
  for (const c of found) {
    failed = true;
    console.log(`  cycle among: ${c.join(', ')}`);
    const members = new Set(c);
    for (const a of c)
      for (const b of graphs[kind].get(a) ?? []) if (members.has(b)) console.log(`    ${a} → ${b}: ${example.get(`${a}>${b}`)}`);
  }
}

// Public-module bypasses, per imported folder.
const NOT_COUNTED = new Set(['common', 'http', 'cli', 'schema']);
const bypasses = new Map();
for (const m of result.modules) {
  const from = top(m.source);
  if (!from) continue;
  for (const d of m.dependencies) {
    const to = top(d.resolved);
    if (!to || to === from || NOT_COUNTED.has(to) || d.resolved === `src/${to}/index.ts`) continue;
    (bypasses.get(to) ?? bypasses.set(to, []).get(to)).push(`${m.source} → ${d.resolved}`);
  }
}
const allowed = JSON.parse(readFileSync(new URL('./public-modules.json', import.meta.url), 'utf8')).notYetConverted;
const total = [...bypasses.values()].reduce((a, l) => a + l.length, 0);
console.log(`imports bypassing a folder's public module (src/<folder>/index.ts): ${total}`);
const listed = [...new Set([...bypasses.keys(), ...Object.keys(allowed)])].sort();
for (const f of listed) {
  const found = bypasses.get(f) ?? [];
  const limit = allowed[f];
  if (limit === undefined) {
    if (!found.length) continue;
    failed = true;
    console.log(`  ${f}: ${found.length} bypass(es) of src/${f}/index.ts, a converted folder — import its public module instead:`);
    for (const e of found) console.log(`    ${e}`);
  } else if (found.length > limit) {
    failed = true;
    console.log(`  ${f}: ${found.length} bypasses, more than the ${limit} allowed in scripts/public-modules.json:`);
    for (const e of found) console.log(`    ${e}`);
  } else if (found.length < limit) {
    failed = true;
    console.log(
      `  ${f}: ${found.length} bypasses, fewer than the ${limit} in scripts/public-modules.json — lower it${found.length ? '' : ' (remove the folder: it is converted)'}`,
    );
  } else console.log(`  ${f}: ${found.length} (not yet converted)`);
}

const violations = result.summary.violations ?? [];
for (const v of violations) {
  failed = true;
  const via = v.cycle?.length ? ` (via ${v.cycle.map((c) => c.name ?? c).join(' → ')})` : '';
  console.log(`${v.rule.severity} ${v.rule.name}: ${v.from} → ${v.to}${via}`);
}
console.log(
  `${result.summary.totalCruised} modules, ${result.summary.totalDependenciesCruised} imports; ${violations.length} rule violation(s)`,
);
process.exit(failed ? 1 : 0);
