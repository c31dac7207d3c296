// The Dockerfile checked statically (no Docker daemon on the build machines): its stages, what
// it installs and copies, who it runs as, and that it agrees with the Kubernetes manifests.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { COMMAND_MALLOC_ENV, SERVICE_MALLOC_ENV } from '../src/http/heap-options.js';

const ROOT = join(import.meta.dirname, '..');
const run = promisify(execFile);

interface Instruction {
  keyword: string;
  args: string;
  stage: number;
}

/** Dockerfile instructions with continuation lines joined and comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  let stage = -1;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) continue;
    if (pending && line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    if (!full) continue;
    const [keyword, ...rest] = full.split(/\s+/);
    const kw = keyword.toUpperCase();
    if (kw === 'FROM') stage++;
    out.push({ keyword: kw, args: rest.join(' '), stage });
  }
  return out;
}

const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const instructions = parseDockerfile(text);
const args = Object.fromEntries(
  instructions.filter((i) => i.keyword === 'ARG' && i.stage === -1).map((i) => i.args.split('=') as [string, string]),
);
const stages = instructions
  .filter((i) => i.keyword === 'FROM')
  .map((i) => {
    const [image, , name] = i.args.split(/\s+/);
    return { image: image.replace(/\$\{(\w+)\}/g, (_, v: string) => args[v] ?? ''), name };
  });
const finalStage = stages.length - 1;
const inStage = (stage: number, keyword: string) => instructions.filter((i) => i.stage === stage && i.keyword === keyword);
const runText = (stage: number) =>
  inStage(stage, 'RUN')
    .map((i) => i.args)
    .join('\n');
const envOf = (stage: number) =>
  Object.fromEntries(
    inStage(stage, 'ENV').flatMap((i) => [...i.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)].map((m) => [m[1], m[2]!.replace(/^"(.*)"$/, '$1')])),
  );
const jsonArgs = (keyword: string) => JSON.parse(inStage(finalStage, keyword).at(-1)!.args) as string[];

const deployments = ['api-deployment.yaml', 'browser-pool-deployment.yaml'].map((f) =>
  parseYaml(readFileSync(join(ROOT, 'deploy', 'k8s', f), 'utf8')),
);

describe('Dockerfile', () => {
  it('builds in one Debian node:20 stage and runs in another', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s.image).toMatch(/^node:20-(bookworm|bullseye)(-slim)?$/);
    const engines = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).engines.node as string;
    expect(engines).toMatch(/>=20/);
    expect(stages[0].name).toBe('build');
  });

  it('installs from the lock file, builds, and drops dev dependencies', () => {
    const build = runText(0);
    expect(build).toMatch(/npm ci\b/);
    expect(build).toMatch(/npm run build/);
    expect(build).toMatch(/npm prune --omit=dev/);
    expect(build.indexOf('npm run build')).toBeLessThan(build.indexOf('npm prune'));
    // The runtime stage copies node_modules from the pruned build, never installs dev tooling.
    const copies = inStage(finalStage, 'COPY').map((i) => i.args);
    expect(copies.some((c) => /--from=build\s+\/app\/node_modules/.test(c))).toBe(true);
    expect(runText(finalStage)).not.toMatch(/\b(g\+\+|make|python3|npm (ci|install))\b/);
  });

  it('installs Debian chromium and never downloads a Playwright browser', () => {
    expect(runText(finalStage)).toMatch(/apt-get install[^\n]*\bchromium\b/);
    expect(text).not.toMatch(/playwright install/);
    expect(envOf(finalStage).CHROMIUM_PATH).toBe('/usr/bin/chromium');
    for (const d of deployments) {
      const chromium = d.spec.template.spec.containers[0].env?.find((e: { name: string }) => e.name === 'CHROMIUM_PATH');
      if (chromium) expect(chromium.value).toBe(envOf(finalStage).CHROMIUM_PATH);
    }
  });

  it('runs as a numeric non-root user, the one the manifests demand', () => {
    const user = inStage(finalStage, 'USER').at(-1)?.args ?? '';
    const [uid, gid] = user.split(':').map(Number);
    expect(uid).toBeGreaterThan(0);
    expect(runText(finalStage)).toContain(`--uid ${uid}`);
    for (const d of deployments) {
      expect(d.spec.template.spec.securityContext.runAsUser).toBe(uid);
      expect(d.spec.template.spec.securityContext.runAsGroup).toBe(gid);
    }
  });

  it('starts `dealerscope serve` through an init, on the port the API Deployment probes', () => {
    const entry = jsonArgs('ENTRYPOINT');
    const cmd = jsonArgs('CMD');
    expect(entry.at(-1)).toBe('dealerscope');
    expect(cmd).toEqual(['serve']);
    expect(entry[0]).toMatch(/tini$/);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(runText(finalStage)).toContain(`/app/${pkg.bin.dealerscope} /usr/local/bin/dealerscope`);
    expect(readFileSync(join(ROOT, pkg.bin.dealerscope), 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
    const exposed = Number(inStage(finalStage, 'EXPOSE').at(-1)?.args);
    expect(Number(envOf(finalStage).PORT)).toBe(exposed);
    // The image runs every command (ingest reads feeds of up to 512 MB in memory): the API's heap
    // cap belongs to the API's deployment (deploy/k8s, test/deploy-k8s.test.ts), not to the image.
    expect(envOf(finalStage).NODE_OPTIONS).toBeUndefined();
    // One malloc arena suits every command, so the image sets it; the thresholds that hand freed
    // blocks back cost an import dearly and, like the heap cap, belong to the API's deployment.
    for (const [name, value] of Object.entries(COMMAND_MALLOC_ENV)) expect(envOf(finalStage)[name]).toBe(value);
    for (const name of Object.keys(SERVICE_MALLOC_ENV).filter((n) => !(n in COMMAND_MALLOC_ENV)))
      expect(envOf(finalStage)[name]).toBeUndefined();
    expect(deployments[0].spec.template.spec.containers[0].ports[0].containerPort).toBe(exposed);
  });

  it('copies only paths that exist and that .dockerignore lets through', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const i of instructions.filter((x) => x.keyword === 'COPY' && !x.args.includes('--from='))) {
      const sources = i.args.split(/\s+/).slice(0, -1);
      for (const src of sources) {
        expect(existsSync(join(ROOT, src)), `COPY ${src}`).toBe(true);
        expect(ignored, `COPY ${src} is excluded by .dockerignore`).not.toContain(src);
      }
    }
    // Secrets and local state: the unpacked VIN database and local evidence are made at run time.
    for (const secretish of ['.git', 'node_modules', 'dist', '.env', 'data/*.db', 'data/vpic/', 'data/snapshots/'])
      expect(ignored).toContain(secretish);
  });

  it('copies into the build stage every folder outside src/ that src/ imports, so tsc can build it', () => {
    const copied = new Set(
      inStage(0, 'COPY')
        .filter((i) => !i.args.includes('--from='))
        .flatMap((i) => i.args.split(/\s+/).slice(0, -1))
        .map((p) => p.replace(/\/$/, '')),
    );
    const outside = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
          for (const m of readFileSync(path, 'utf8').matchAll(/(?:from\s+|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
            const top = relative(ROOT, resolve(dirname(path), m[1]!)).split(sep)[0]!;
            if (top !== 'src' && !top.startsWith('..')) outside.add(top);
          }
        }
      }
    };
    walk(join(ROOT, 'src'));
    for (const dir of outside) expect(copied, `src/ imports from ${dir}/`).toContain(dir);
  });

  it('HEALTHCHECK asks /healthz and its command really tells up from down', async () => {
    const hc = inStage(finalStage, 'HEALTHCHECK').at(-1)!.args;
    const [node, flag, script] = JSON.parse(hc.slice(hc.indexOf('['))) as string[];
    expect([node, flag]).toEqual(['node', '-e']);
    expect(script).toContain('/healthz');
    const probe = async (status: number, as: 'PORT' | 'WORKER_PORT' = 'PORT') => {
      const server: Server = createServer((req, res) => {
        res.statusCode = req.url === '/healthz' ? status : 404;
        res.end();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const port = String((server.address() as AddressInfo).port);
        // A worker container answers on WORKER_PORT while PORT keeps the image's 8080.
        const env = as === 'PORT' ? { ...process.env, PORT: port } : { ...process.env, PORT: '8080', WORKER_PORT: port };
        await run(process.execPath, ['-e', script], { env, timeout: 10_000 });
        return 0;
      } catch (err) {
        return (err as { code?: number }).code ?? -1;
      } finally {
        await new Promise<void>((r) => server.close(() => r()));
      }
    };
    expect(await probe(200)).toBe(0);
    expect(await probe(503)).toBe(1);
    expect(await probe(200, 'WORKER_PORT')).toBe(0);
    expect(await probe(503, 'WORKER_PORT')).toBe(1);
  });
});

describe('scripts/build-image.sh (the buildah build and its start-up check)', () => {
  const script = join(ROOT, 'scripts', 'build-image.sh');
  const source = readFileSync(script, 'utf8');

  it('answers --help and refuses unknown arguments with exit 2', async () => {
    const { stdout } = await run('bash', [script, '--help']);
    expect(stdout).toMatch(/^Usage: build-image\.sh/);
    for (const option of ['--tag=', '--cache-dir=', '--mirror=', '--port=', '--no-check', '--rebuild-base'])
      expect(stdout).toContain(option);
    const bad = await run('bash', [script, '--frobnicate']).then(
      () => 0,
      (err: { code?: number; stderr?: string }) => {
        expect(err.stderr).toContain('--frobnicate');
        return err.code;
      },
    );
    expect(bad).toBe(2);
    const port = await run('bash', [script, '--port=99999']).then(
      () => 0,
      (err: { code?: number }) => err.code,
    );
    expect(port).toBe(2);
  });

  it('overrides the base through the ARG every stage starts FROM', () => {
    expect(source).toMatch(/--build-arg NODE_IMAGE="\$BASE_IMAGE"/);
    for (const i of instructions.filter((x) => x.keyword === 'FROM')) expect(i.args).toMatch(/^\$\{NODE_IMAGE\}/);
    // The base puts Node.js where the node images do; node-gyp is pointed at its headers.
    expect(envOf(0).npm_config_nodedir).toBe('/usr/local');
    expect(source).toContain('"$rootfs/usr/local/include/node"');
    expect(source).toContain('"$rootfs/usr/local/bin/node"');
  });

  it('keeps its cache out of git and out of the build context', () => {
    expect(readFileSync(join(ROOT, '.gitignore'), 'utf8').split('\n')).toContain('.cache/');
    expect(readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n')).toContain('.cache');
    expect(source).toMatch(/CACHE_DIR="\$ROOT\/\.cache\/image-base"/);
  });

  it('starts the service the way the API Deployment does: same args, heap cap and malloc arenas', () => {
    const api = deployments[0].spec.template.spec.containers[0];
    const env = Object.fromEntries((api.env as { name: string; value: string }[]).map((e) => [e.name, e.value]));
    const runLine = source.slice(source.indexOf('buildah run --isolation chroot'), source.indexOf('runner=$!'));
    expect(runLine).toContain(`--env NODE_OPTIONS="${env.NODE_OPTIONS}"`);
    for (const name of Object.keys(SERVICE_MALLOC_ENV)) expect(runLine).toContain(`--env ${name}=${env[name]}`);
    expect(runLine).toContain(`/usr/bin/tini -- dealerscope ${(api.args as string[]).join(' ')}`);
    expect(jsonArgs('ENTRYPOINT')).toEqual(['/usr/bin/tini', '--', 'dealerscope']);
    // The check fails unless the process runs as the image's user.
    const user = inStage(finalStage, 'USER').at(-1)!.args.split(':')[0];
    expect(source).toContain(`[[ "$uid" == ${user} ]]`);
  });
});
