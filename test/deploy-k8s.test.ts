// deploy/k8s validated offline: every object against the Kubernetes schemas (kubernetes-models),
// then the references between them — selectors, probe ports, ConfigMap/Secret names, flags —
// and that the pods' environment is one the service accepts at start-up.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/env.js';
import { FlagService } from '../src/flags/flag-service.js';
import { FLAGS, isFlagName, coerceFlagValue, phaseValues } from '../src/flags/registry.js';
import { SERVICE_HEAP_OPTIONS, SERVICE_MALLOC_ENV } from '../src/http/heap-options.js';
import { parseDatabaseUrl } from '../src/storage/db.js';
import { evidenceSettings } from '../src/evidence/config.js';
import { parseSourcesConfig } from '../src/ingest/sources/config.js';
import { requireComponent } from './support/components.js';

const K8S_DIR = join(import.meta.dirname, '..', 'deploy', 'k8s');

type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
} & Record<string, unknown>;

interface Model {
  validate(): void;
}
const MODELS: Record<string, { apiVersion: string; create: (m: Manifest) => Model }> = {
  Namespace: { apiVersion: Namespace.apiVersion, create: (m) => new Namespace(m as never) },
  ConfigMap: { apiVersion: ConfigMap.apiVersion, create: (m) => new ConfigMap(m as never) },
  Secret: { apiVersion: Secret.apiVersion, create: (m) => new Secret(m as never) },
  Service: { apiVersion: Service.apiVersion, create: (m) => new Service(m as never) },
  Deployment: { apiVersion: Deployment.apiVersion, create: (m) => new Deployment(m as never) },
  PodDisruptionBudget: { apiVersion: PodDisruptionBudget.apiVersion, create: (m) => new PodDisruptionBudget(m as never) },
  HorizontalPodAutoscaler: { apiVersion: HorizontalPodAutoscaler.apiVersion, create: (m) => new HorizontalPodAutoscaler(m as never) },
};

function parseManifests(text: string, source: string): Manifest[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length) throw new Error(`${source}: ${doc.errors[0].message}`);
    const obj = doc.toJS() as Manifest | null;
    return obj ? [obj] : [];
  });
}

const kustomization = parseManifests(readFileSync(join(K8S_DIR, 'kustomization.yaml'), 'utf8'), 'kustomization.yaml')[0] as Manifest & {
  resources: string[];
  namespace: string;
};
const manifests = kustomization.resources.flatMap((file) => parseManifests(readFileSync(join(K8S_DIR, file), 'utf8'), file));

const byKind = <T = Manifest>(kind: string) => manifests.filter((m) => m.kind === kind) as unknown as Array<T & Manifest>;
const one = <T = Manifest>(kind: string, name: string): T & Manifest => {
  const found = byKind<T>(kind).filter((m) => m.metadata.name === name);
  expect(found, `${kind}/${name}`).toHaveLength(1);
  return found[0];
};

type PodTemplate = {
  metadata: { labels: Record<string, string> };
  spec: {
    containers: IContainer[];
    volumes?: Array<{ name: string; emptyDir?: { medium?: string } }>;
    securityContext?: Record<string, unknown>;
    terminationGracePeriodSeconds?: number;
  };
};
type DeploymentShape = { spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: PodTemplate } };
const deployment = (name: string) => one<DeploymentShape>('Deployment', name);
const sourcesJson = () => one<{ data: Record<string, string> }>('ConfigMap', 'dealerscope-sources').data['sources.json']!;
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Kubernetes quantities as numbers: CPU in cores, memory in bytes. */
function quantity(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^([0-9.]+)(m|Ki|Mi|Gi|Ti|k|M|G)?$/.exec(q);
  if (!m) throw new Error(`unparseable quantity ${q}`);
  const scale: Record<string, number> = { m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9 };
  return Number(m[1]) * (m[2] ? scale[m[2]] : 1);
}

/** The environment a container starts with: its ConfigMaps and Secrets, then its own env. */
function containerEnv(c: IContainer): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    if (from.configMapRef) Object.assign(env, one<{ data: Record<string, string> }>('ConfigMap', from.configMapRef.name!).data);
    if (from.secretRef) Object.assign(env, one<{ stringData: Record<string, string> }>('Secret', from.secretRef.name!).stringData);
  }
  for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  return env;
}

describe('deploy/k8s manifests', () => {
  it('lists every manifest file in kustomization.yaml and nothing that does not exist', () => {
    const files = readdirSync(K8S_DIR)
      .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
      .sort();
    expect([...kustomization.resources].sort()).toEqual(files);
    expect(kustomization.namespace).toBe('dealerscope');
  });

  it('validates every object against its Kubernetes schema', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(10);
    for (const m of manifests) {
      const model = MODELS[m.kind];
      expect(model, `no schema model for ${m.kind}`).toBeDefined();
      expect(m.apiVersion, `${m.kind}/${m.metadata.name}`).toBe(model.apiVersion);
      expect(() => model.create(m).validate(), `${m.kind}/${m.metadata.name}`).not.toThrow();
    }
  });

  it('the schema check is live: broken copies of the API Deployment are rejected', () => {
    const api = deployment('dealerscope-api');
    const wrongType = structuredClone(api);
    (wrongType.spec as { replicas: unknown }).replicas = 'three';
    expect(() => new Deployment(wrongType as never).validate()).toThrow(/replicas/);
    const noName = structuredClone(api);
    delete (noName.spec.template.spec.containers[0] as { name?: string }).name;
    expect(() => new Deployment(noName as never).validate()).toThrow(/name/);
  });

  it.each(['dealerscope-api', 'browser-pool'])('%s: selector, probes, resources and hardening', (name) => {
    const d = deployment(name);
    const pod = d.spec.template;
    expect(matches(d.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(Number(pod.spec.securityContext?.runAsUser)).toBeGreaterThan(0);
    const volumes = new Set((pod.spec.volumes ?? []).map((v) => v.name));
    for (const c of pod.spec.containers) {
      expect(c.image).toBe('dealerscope');
      const ports = new Map((c.ports ?? []).map((p) => [p.name, p.containerPort]));
      expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');
      expect(c.readinessProbe?.httpGet?.path).toBe('/readyz');
      expect(c.startupProbe?.httpGet?.path).toBe('/healthz');
      for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
        const port = probe!.httpGet!.port;
        expect(typeof port === 'string' ? ports.has(port) : [...ports.values()].includes(port)).toBe(true);
      }
      // The process listens where the probes and the Service look: `serve` on PORT, `worker` on
      // WORKER_PORT (a worker given PORT listened on its default 9464 while every probe failed).
      const env = containerEnv(c);
      const listens = c.args?.[0] === 'worker' ? Number(env.WORKER_PORT ?? 9464) : Number(env.PORT ?? 8080);
      for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
        const port = probe!.httpGet!.port;
        expect(typeof port === 'string' ? ports.get(port) : port, `${name} probe port`).toBe(listens);
      }
      expect(env.HOST).toBe('0.0.0.0');
      for (const resource of ['cpu', 'memory']) {
        const request = c.resources?.requests?.[resource];
        const limit = c.resources?.limits?.[resource];
        expect(request, `${c.name} ${resource} request`).toBeDefined();
        expect(limit, `${c.name} ${resource} limit`).toBeDefined();
        expect(quantity(request!)).toBeLessThanOrEqual(quantity(limit!));
      }
      expect(c.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      for (const mount of c.volumeMounts ?? []) expect(volumes.has(mount.name)).toBe(true);
      // A read-only root filesystem still needs a writable /tmp.
      expect((c.volumeMounts ?? []).map((v) => v.mountPath)).toContain('/tmp');
      const preStop = c.lifecycle?.preStop?.sleep?.seconds ?? 0;
      expect(preStop).toBeLessThan(pod.spec.terminationGracePeriodSeconds ?? 30);
    }
  });

  it('dealerscope-api runs `serve` and starts with the environment it is given', () => {
    const [c] = deployment('dealerscope-api').spec.template.spec.containers;
    expect(c.args).toEqual(['serve', '--no-sample']);
    expect(c.lifecycle?.preStop?.sleep?.seconds).toBeGreaterThan(0);
    const env = containerEnv(c);
    const config = loadConfig(env);
    expect(config.env).toBe('production');
    expect(parseDatabaseUrl(config.databaseUrl).dialect).toBe('postgres');
    expect(config.redisUrl).toMatch(/^redis:\/\//);
    expect(config.port).toBe(8080);
    // The heap the benchmark measures, inside the container's memory limit with room for buffers.
    expect(env.NODE_OPTIONS).toBe(SERVICE_HEAP_OPTIONS.join(' '));
    for (const [name, value] of Object.entries(SERVICE_MALLOC_ENV)) expect(env[name]).toBe(value);
    const oldSpaceMiB = Number(/--max-old-space-size=(\d+)/.exec(env.NODE_OPTIONS)?.[1]);
    expect(quantity(c.resources!.limits!.memory!)).toBeGreaterThanOrEqual((oldSpaceMiB + 64) * 2 ** 20);
    // FF_* values must parse, or the replica refuses to start.
    const flags = new FlagService({ env: config.env, rawEnv: env });
    expect(flags.snapshot().emergency).toBe(false);
  });

  it('browser-pool runs `worker` with Debian Chromium, sized for the phase 4 context count', () => {
    const d = deployment('browser-pool');
    const [c] = d.spec.template.spec.containers;
    expect(c.args).toEqual(['worker']);
    const env = containerEnv(c);
    expect(env.CHROMIUM_PATH).toBe('/usr/bin/chromium');
    expect(loadConfig(env).chromiumPath).toBe('/usr/bin/chromium');
    const contexts = Number(phaseValues(4).MAX_BROWSER_CONTEXTS);
    expect(contexts).toBe(10);
    // Budget: 100 MiB per context on top of 256 MiB for the browser and the worker.
    expect(quantity(c.resources!.requests!.memory!)).toBeGreaterThanOrEqual(256 * 2 ** 20 + contexts * 100 * 2 ** 20);
    expect(quantity(c.resources!.requests!.cpu!)).toBeGreaterThanOrEqual(1);
    const shm = (c.volumeMounts ?? []).find((v) => v.mountPath === '/dev/shm');
    expect(d.spec.template.spec.volumes?.find((v) => v.name === shm?.name)?.emptyDir?.medium).toBe('Memory');
  });

  it('the API Service selects only API pods and targets a port they declare', () => {
    const svc = one<{ spec: { selector: Record<string, string>; ports: Array<{ targetPort: string | number; port: number }> } }>(
      'Service',
      'dealerscope-api',
    );
    const api = deployment('dealerscope-api').spec.template;
    expect(matches(svc.spec.selector, api.metadata.labels)).toBe(true);
    expect(matches(svc.spec.selector, deployment('browser-pool').spec.template.metadata.labels)).toBe(false);
    const declared = api.spec.containers.flatMap((c) => c.ports ?? []);
    for (const p of svc.spec.ports) {
      expect(declared.some((d) => d.name === p.targetPort || d.containerPort === p.targetPort)).toBe(true);
    }
  });

  it('each Deployment has a PodDisruptionBudget and an HPA that fit its replica count', () => {
    const pdbs = byKind<{ spec: { selector: { matchLabels: Record<string, string> }; minAvailable?: number; maxUnavailable?: number } }>(
      'PodDisruptionBudget',
    );
    const hpas = byKind<{
      spec: {
        scaleTargetRef: { apiVersion: string; kind: string; name: string };
        minReplicas: number;
        maxReplicas: number;
        metrics: Array<{ resource?: { name: string } }>;
      };
    }>('HorizontalPodAutoscaler');
    for (const d of byKind<DeploymentShape>('Deployment')) {
      const labels = d.spec.template.metadata.labels;
      const mine = pdbs.filter((p) => matches(p.spec.selector.matchLabels, labels));
      expect(mine, `PDB for ${d.metadata.name}`).toHaveLength(1);
      const hpa = hpas.filter((h) => h.spec.scaleTargetRef.kind === 'Deployment' && h.spec.scaleTargetRef.name === d.metadata.name);
      expect(hpa, `HPA for ${d.metadata.name}`).toHaveLength(1);
      const { minReplicas, maxReplicas, metrics, scaleTargetRef } = hpa[0].spec;
      expect(scaleTargetRef.apiVersion).toBe('apps/v1');
      expect(minReplicas).toBeLessThanOrEqual(maxReplicas);
      expect(d.spec.replicas).toBeGreaterThanOrEqual(minReplicas);
      // A budget that never lets a pod go would block every node drain.
      if (mine[0].spec.minAvailable !== undefined) expect(mine[0].spec.minAvailable).toBeLessThan(minReplicas);
      else expect(mine[0].spec.maxUnavailable).toBeGreaterThan(0);
      // Utilization targets are relative to requests, so every container must request them.
      for (const m of metrics) {
        for (const c of d.spec.template.spec.containers) expect(c.resources?.requests?.[m.resource!.name]).toBeDefined();
      }
    }
  });

  it('the flags ConfigMap names only known flags, valid values, and no rollout-phase flag', () => {
    const cm = one<{ data: Record<string, string> }>('ConfigMap', 'dealerscope-flags');
    expect(cm.data.DEALERSCOPE_ENV).toBe('production');
    const ff = Object.entries(cm.data).filter(([k]) => k.startsWith('FF_'));
    expect(ff.length).toBeGreaterThan(0);
    for (const [key, value] of ff) {
      const name = key.slice(3);
      expect(isFlagName(name), `${key} is not a flag in src/flags/registry.ts`).toBe(true);
      if (!isFlagName(name)) continue;
      expect(coerceFlagValue(name, value, true).ok, `${key}=${value}`).toBe(true);
      // FF_ outranks the rollout phase: pinning a phase flag here would defeat automatic rollback.
      expect(FLAGS[name].v5, `${key} is a rollout-phase flag`).toBe(false);
    }
  });

  it('the Secret holds only clearly marked placeholders of the right shape', () => {
    const secret = one<{ stringData: Record<string, string>; data?: unknown }>('Secret', 'dealerscope-secrets');
    expect(secret.data).toBeUndefined();
    expect(Object.keys(secret.stringData).sort()).toEqual([
      'ADMIN_TOKEN',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'DATABASE_URL',
      'GSA_AUCTIONS_API_KEY',
      'MAESTRO_API_KEY',
      'REDIS_URL',
    ]);
    for (const [k, v] of Object.entries(secret.stringData)) expect(v, k).toContain('REPLACE_ME');
    expect(secret.stringData.ADMIN_TOKEN.length).toBeGreaterThanOrEqual(16);
    expect(parseDatabaseUrl(secret.stringData.DATABASE_URL).dialect).toBe('postgres');
    expect(() => new URL(secret.stringData.REDIS_URL)).not.toThrow();
    // Every key a source of the mounted sources section would read is there to fill in.
    const sources = parseSourcesConfig(JSON.parse(sourcesJson()) as unknown, {});
    for (const s of sources.sources) if (s.apiKeyEnv) expect(secret.stringData[s.apiKeyEnv], s.apiKeyEnv).toBeDefined();
  });

  it.each(['dealerscope-api', 'browser-pool'])('%s: sources, evidence and the VIN data on storage the pod can use', (name) => {
    const pod = deployment(name).spec.template;
    const [c] = pod.spec.containers;
    const env = containerEnv(c);
    const mountOf = (path: string) => {
      const m = (c.volumeMounts ?? [])
        .filter((v) => path.startsWith(`${v.mountPath}/`))
        .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
      return m ? { mount: m, volume: pod.spec.volumes!.find((v) => v.name === m.name) as Record<string, any> } : null;
    };
    // The sources section: a file on the mounted ConfigMap, which parses (a worker without one exits at start).
    const sourcesAt = mountOf(env.DEALERSCOPE_SOURCES_FILE ?? '');
    expect(sourcesAt?.volume.configMap?.name, 'DEALERSCOPE_SOURCES_FILE on a mounted ConfigMap').toBe('dealerscope-sources');
    expect(env.DEALERSCOPE_SOURCES_FILE).toBe(`${sourcesAt!.mount.mountPath}/sources.json`);
    // Evidence in the shared object store: the root filesystem is read-only and a pod's disk is its own.
    expect(evidenceSettings(env).s3, 'OBJECT_STORE_URL').not.toBeNull();
    expect(env.OBJECT_STORE_URL, 'a placeholder to replace').toMatch(/replace-me/);
    expect(env.AWS_ACCESS_KEY_ID).toContain('REPLACE_ME');
    // The unpacked vPIC database (about 110 MB) on a volume of its own with room for it.
    const vpic = mountOf(env.DEALERSCOPE_VPIC_DB ?? '');
    expect(vpic?.volume.emptyDir, 'DEALERSCOPE_VPIC_DB on an emptyDir').toBeDefined();
    expect(quantity(vpic!.volume.emptyDir.sizeLimit)).toBeGreaterThanOrEqual(2 * 110 * 2 ** 20);
  });

  it('the sources ConfigMap is the example section, every source disabled, and parses', () => {
    expect(JSON.parse(sourcesJson())).toEqual(
      JSON.parse(readFileSync(join(K8S_DIR, '..', '..', 'config', 'sources.example.json'), 'utf8')),
    );
    const parsed = parseSourcesConfig(JSON.parse(sourcesJson()) as unknown, {});
    expect(parsed.sources.length).toBeGreaterThan(0);
    expect(parsed.sources.every((s) => !s.enabled)).toBe(true);
  });

  it('Prometheus finds every replica: each DNS name it asks is a headless Service over one Deployment, on the port it scrapes', () => {
    const prom = parseAllDocuments(readFileSync(join(K8S_DIR, '..', 'prometheus', 'prometheus.yml'), 'utf8'))[0]!.toJS() as {
      scrape_configs: Array<{ dns_sd_configs?: Array<{ names: string[]; port: number }> }>;
    };
    const discovered = prom.scrape_configs.flatMap((j) => j.dns_sd_configs ?? []).flatMap((d) => d.names.map((n) => ({ n, port: d.port })));
    expect(discovered.length).toBe(2);
    for (const { n, port } of discovered) {
      const [svcName, ns] = n.split('.');
      expect(ns).toBe(kustomization.namespace);
      const svc = one<{
        spec: { clusterIP?: string; selector: Record<string, string>; ports: Array<{ port: number; targetPort: string | number }> };
      }>('Service', svcName!);
      expect(svc.spec.clusterIP, `${svcName} is headless`).toBe('None');
      const pods = byKind<DeploymentShape>('Deployment').filter((d) => matches(svc.spec.selector, d.spec.template.metadata.labels));
      expect(pods, `${svcName} selects one Deployment`).toHaveLength(1);
      const [c] = pods[0]!.spec.template.spec.containers;
      const env = containerEnv(c);
      const listens = c.args?.[0] === 'worker' ? Number(env.WORKER_PORT ?? 9464) : Number(env.PORT ?? 8080);
      expect(port, `${n} scraped where the pods listen`).toBe(listens);
      expect(svc.spec.ports.map((p) => p.port)).toContain(listens);
    }
  });

  const kubectl = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => existsSync(p));
  // Missing kubectl fails this suite (it used to skip silently) unless the run opts out of it.
  it.runIf(requireComponent('kubectl', kubectl !== undefined, '/usr/bin/kubectl or /usr/local/bin/kubectl'))(
    'kubectl kustomize renders the same objects, all schema-valid, in the namespace',
    () => {
      const rendered = parseManifests(
        execFileSync(kubectl!, ['kustomize', K8S_DIR], { encoding: 'utf8', timeout: 30_000 }),
        'kubectl kustomize',
      );
      const ids = (list: Manifest[]) => list.map((m) => `${m.kind}/${m.metadata.name}`).sort();
      expect(ids(rendered)).toEqual(ids(manifests));
      for (const m of rendered) {
        expect(() => MODELS[m.kind].create(m).validate()).not.toThrow();
        if (m.kind !== 'Namespace') expect(m.metadata.namespace).toBe('dealerscope');
        expect(m.metadata.labels?.['app.kubernetes.io/part-of']).toBe('dealerscope');
      }
    },
  );
});
