// The sources section: which auction sites to read, how often and how politely. Read from a
// JSON file (DEALERSCOPE_SOURCES_FILE) or inline JSON (DEALERSCOPE_SOURCES); with neither,
// no source is configured and nothing reaches the internet.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { DEFAULT_ETIQUETTE, type Etiquette } from './fetcher.js';
import { feedUrlAdapter } from './feed-url.js';
import { govDealsAdapter } from './govdeals.js';
import { gsaAdapter } from './gsa.js';
import type { HostPolicy } from './net-guard.js';
import { publicSurplusAdapter } from './publicsurplus.js';
import type { SourceAdapter, SourceKind } from './types.js';

export interface SourceConfig {
  name: string;
  kind: SourceKind;
  url: string;
  /** GovDeals: base of public listing links. */
  siteUrl?: string;
  intervalSeconds: number;
  pageSize?: number;
  maxPages?: number;
  render?: boolean;
  allowHosts?: string[];
  etiquette?: Partial<Etiquette>;
}

export interface SourcesConfig {
  sources: SourceConfig[];
  /** Hosts exempt from the private-address refusal; for local fixture sites in tests only. */
  allowPrivateHosts: string[];
}

const SCHEMA = {
  type: 'object', additionalProperties: false, required: ['sources'],
  properties: {
    sources: {
      type: 'array',
      items: {
        type: 'object', additionalProperties: false, required: ['name', 'kind', 'url', 'intervalSeconds'],
        properties: {
          name: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,39}$' },
          kind: { enum: ['govdeals', 'publicsurplus', 'gsa', 'feed'] },
          url: { type: 'string', pattern: '^https?://' },
          siteUrl: { type: 'string', pattern: '^https?://' },
          intervalSeconds: { type: 'integer', minimum: 1, maximum: 604_800 },
          pageSize: { type: 'integer', minimum: 1, maximum: 500 },
          maxPages: { type: 'integer', minimum: 1, maximum: 1_000 },
          render: { type: 'boolean' },
          allowHosts: { type: 'array', items: { type: 'string', minLength: 1 } },
          etiquette: {
            type: 'object', additionalProperties: false,
            properties: Object.fromEntries(Object.keys(DEFAULT_ETIQUETTE).map((k) => [k, k === 'userAgent' ? { type: 'string', minLength: 3 } : { type: 'integer', minimum: 0 }])),
          },
        },
      },
    },
  },
} as const;

const validate = new Ajv({ allErrors: true }).compile(SCHEMA);

export class SourcesConfigError extends Error { override name = 'SourcesConfigError'; }

export function parseSourcesConfig(raw: unknown, env: NodeJS.ProcessEnv = {}, origin = 'sources config'): SourcesConfig {
  if (!validate(raw)) {
    throw new SourcesConfigError(`${origin}: ${(validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')}`);
  }
  const sources = (raw as { sources: SourceConfig[] }).sources;
  const names = new Set<string>();
  for (const s of sources) {
    if (names.has(s.name)) throw new SourcesConfigError(`${origin}: source name ${s.name} appears twice`);
    names.add(s.name);
    if (s.render && s.kind !== 'publicsurplus') throw new SourcesConfigError(`${origin}: ${s.name}: render is only supported for publicsurplus`);
  }
  const allowPrivateHosts = (env.SOURCE_ALLOW_PRIVATE_HOSTS ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
  if (allowPrivateHosts.length && (env.DEALERSCOPE_ENV ?? 'development') === 'production') {
    throw new SourcesConfigError('SOURCE_ALLOW_PRIVATE_HOSTS is for local fixture sites and is refused in production');
  }
  return { sources, allowPrivateHosts };
}

/** The sources section from the environment; an empty list when none is configured. */
export function loadSourcesConfig(env: NodeJS.ProcessEnv = process.env): SourcesConfig {
  const file = env.DEALERSCOPE_SOURCES_FILE?.trim();
  const inline = env.DEALERSCOPE_SOURCES?.trim();
  if (!file && !inline) return { sources: [], allowPrivateHosts: [] };
  let text: string;
  try {
    text = file ? readFileSync(file, 'utf8') : inline!;
  } catch (err) {
    throw new SourcesConfigError(`cannot read DEALERSCOPE_SOURCES_FILE ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new SourcesConfigError(`${file ?? 'DEALERSCOPE_SOURCES'} is not JSON: ${(err as Error).message}`);
  }
  return parseSourcesConfig(raw, env, file ?? 'DEALERSCOPE_SOURCES');
}

export function hostPolicyFor(s: SourceConfig, cfg: Pick<SourcesConfig, 'allowPrivateHosts'>): HostPolicy {
  const hosts = s.allowHosts ?? [s.url, s.siteUrl].filter((u): u is string => !!u).map((u) => new URL(u).hostname);
  return { allowHosts: hosts.map((h) => h.toLowerCase().replace(/^\[|\]$/g, '')), allowPrivateHosts: cfg.allowPrivateHosts };
}

export function etiquetteFor(s: SourceConfig): Etiquette {
  return { ...DEFAULT_ETIQUETTE, ...s.etiquette };
}

export function adapterFor(s: SourceConfig): SourceAdapter {
  switch (s.kind) {
    case 'govdeals':
      return govDealsAdapter({ name: s.name, url: s.url, siteUrl: s.siteUrl ?? new URL(s.url).origin, pageSize: s.pageSize ?? 50, maxPages: s.maxPages ?? 20 });
    case 'publicsurplus':
      return publicSurplusAdapter({ name: s.name, listUrl: s.url, maxPages: s.maxPages ?? 20, render: s.render ?? false });
    case 'gsa':
      return gsaAdapter({ name: s.name, url: s.url });
    case 'feed':
      return feedUrlAdapter({ name: s.name, url: s.url });
  }
}
