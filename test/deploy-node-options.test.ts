// The service's V8 options are stated once (src/http/node-options.ts) and repeated wherever the
// service is launched; this keeps the launchers in step and checks Node accepts the options both
// on the command line and in NODE_OPTIONS (which refuses some V8 flags).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { SERVICE_NODE_OPTIONS } from '../src/http/node-options.js';

const ROOT = join(import.meta.dirname, '..');
const run = promisify(execFile);
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

describe('service V8 options', () => {
  it('are on every launcher: npm start, the image, the API deployment', () => {
    const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start ?? '';
    const dockerEnv = /NODE_OPTIONS=(\S+)/.exec(read('Dockerfile'))?.[1] ?? '';
    type Container = { env?: Array<{ name: string; value?: string }> };
    const deployment = parseYaml(read('deploy/k8s/api-deployment.yaml')) as { spec: { template: { spec: { containers: Container[] } } } };
    const k8sEnv = deployment.spec.template.spec.containers.flatMap((c) => c.env ?? []).find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
    for (const option of SERVICE_NODE_OPTIONS) {
      expect(start.split(/\s+/)).toContain(option);
      expect(dockerEnv.split(/\s+/)).toContain(option);
      expect(k8sEnv.split(/\s+/)).toContain(option);
    }
  });

  it('are accepted by Node on the command line and in NODE_OPTIONS', async () => {
    const probe = "process.stdout.write(String(require('v8').getHeapStatistics().total_heap_size > 0))";
    const direct = await run(process.execPath, [...SERVICE_NODE_OPTIONS, '-e', probe]);
    expect(direct.stdout).toBe('true');
    const viaEnv = await run(process.execPath, ['-e', probe], { env: { ...process.env, NODE_OPTIONS: SERVICE_NODE_OPTIONS.join(' ') } });
    expect(viaEnv.stdout).toBe('true');
  });
});
