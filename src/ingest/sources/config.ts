// The sources section: which auction sites to read, how often and how politely. Read from a
// JSON file (DEALERSCOPE_SOURCES_FILE) or inline JSON (DEALERSCOPE_SOURCES); with neither,
// no source is configured and nothing reaches the internet. Secrets never sit in the file: a
// source's `apiKeyEnv` names the environment variable that holds its API key.
import { readFileSync } from 'node:fs';
import { DEFAULT_ETIQUETTE, type Etiquette } from './fetcher.js';
import { feedUrlAdapter } from './feed-url.js';
import { gsaAdapter } from './gsa.js';
import { maestroAdapter, SEARCH_FIELDS, type MaestroOptions } from './maestro.js';
import { compileOwnSchema } from '../../common/json-schema.js';
import type { HostPolicy } from '../../common/net-guard.js';
import { publicSurplusAdapter } from './publicsurplus.js';
import { SOURCE_KINDS, type SourceAdapter, type SourceKind } from './types.js';

export interface SourceConfig {
  name: string;
  kind: SourceKind;
  url: string;
  /** False keeps the source configured but unscheduled (`sources run NAME` still runs it). */
  enabled?: boolean;
  /** GovDeals/AllSurplus: the storefront (Origin/Referer and base of listing links). */
  siteUrl?: string;
  /** Name of the environment variable holding the source's API key (GSA X-API-KEY, maestro x-api-key). */
  apiKeyEnv?: string;
  /** GovDeals/AllSurplus: US dollars per unit of other currencies; lots in a currency without a rate are skipped. */
  currencyRates?: Record<string, number>;
  /** GovDeals/AllSurplus: search fields of the request body (searchText, categoryIds, facetsFilter, …). */
  search?: MaestroOptions['search'];
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

export const SOURCES_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['sources'],
  properties: {
    $comment: { type: 'string' },
    sources: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'kind', 'url', 'intervalSeconds'],
        properties: {
          $comment: { type: 'string' },
          name: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,39}$' },
          kind: { enum: [...SOURCE_KINDS] },
          url: { type: 'string', pattern: '^https?://' },
          enabled: { type: 'boolean' },
          siteUrl: { type: 'string', pattern: '^https?://' },
          apiKeyEnv: { type: 'string', pattern: '^[A-Z_][A-Z0-9_]{0,63}$' },
          currencyRates: {
            type: 'object',
            propertyNames: { pattern: '^[A-Z]{3}$' },
            additionalProperties: { type: 'number', exclusiveMinimum: 0, maximum: 100_000 },
          },
          search: { type: 'object', additionalProperties: false, properties: Object.fromEntries(SEARCH_FIELDS.map((k) => [k, {}])) },
          intervalSeconds: { type: 'integer', minimum: 1, maximum: 604_800 },
          pageSize: { type: 'integer', minimum: 1, maximum: 500 },
          maxPages: { type: 'integer', minimum: 1, maximum: 1_000 },
          render: { type: 'boolean' },
          allowHosts: { type: 'array', items: { type: 'string', minLength: 1 } },
          etiquette: {
            type: 'object',
            additionalProperties: false,
            properties: Object.fromEntries(
              Object.keys(DEFAULT_ETIQUETTE).map((k) => [
                k,
                k === 'userAgent'
                  ? { type: 'string', minLength: 3 }
                  : k === 'robots'
                    ? { type: 'boolean' }
                    : { type: 'integer', minimum: 0 },
              ]),
            ),
          },
        },
      },
    },
  },
} as const;

/** The name the build gives the source configuration's prebuilt validator (src/cli/write-validators.ts). */
export const SOURCES_CONFIG_VALIDATOR = 'sources-config';

const validate = compileOwnSchema<{ sources: SourceConfig[] }>(SOURCES_SCHEMA, SOURCES_CONFIG_VALIDATOR);
/** Kinds whose API refuses requests without a key. */
const KEYED = new Set<SourceKind>(['gsa', 'govdeals', 'allsurplus']);
const STOREFRONT: Record<'govdeals' | 'allsurplus', string> = {
  govdeals: 'https://www.govdeals.com',
  allsurplus: 'https://www.allsurplus.com',
};

export class SourcesConfigError extends Error {
  override name = 'SourcesConfigError';
}

export function parseSourcesConfig(raw: unknown, env: NodeJS.ProcessEnv = {}, origin = 'sources config'): SourcesConfig {
  if (!validate(raw)) {
    throw new SourcesConfigError(`${origin}: ${(validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')}`);
  }
  const sources = raw.sources;
  const names = new Set<string>();
  for (const s of sources) {
    if (names.has(s.name)) throw new SourcesConfigError(`${origin}: source name ${s.name} appears twice`);
    names.add(s.name);
    if (s.render && s.kind !== 'publicsurplus')
      throw new SourcesConfigError(`${origin}: ${s.name}: render is only supported for publicsurplus`);
    if (KEYED.has(s.kind) && !s.apiKeyEnv)
      throw new SourcesConfigError(
        `${origin}: ${s.name}: a ${s.kind} source needs apiKeyEnv, the environment variable that holds its API key`,
      );
    const maestro = s.kind === 'govdeals' || s.kind === 'allsurplus';
    if (!maestro && (s.currencyRates || s.search))
      throw new SourcesConfigError(`${origin}: ${s.name}: currencyRates and search apply to govdeals and allsurplus sources only`);
  }
  const allowPrivateHosts = (env.SOURCE_ALLOW_PRIVATE_HOSTS ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
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

/** The source's API key from the environment; null when it has none or the variable is unset. */
export function apiKeyFor(s: SourceConfig, readSecret: (name: string) => string | undefined): string | null {
  if (!s.apiKeyEnv) return null;
  const v = readSecret(s.apiKeyEnv)?.trim();
  return v ? v : null;
}

export function hostPolicyFor(s: SourceConfig, cfg: Pick<SourcesConfig, 'allowPrivateHosts'>): HostPolicy {
  // The storefront is only named in headers and links, never fetched: only the API host is allowed.
  const hosts =
    s.allowHosts ??
    [s.url, s.kind === 'publicsurplus' || s.kind === 'feed' ? s.siteUrl : undefined]
      .filter((u): u is string => !!u)
      .map((u) => new URL(u).hostname);
  return { allowHosts: hosts.map((h) => h.toLowerCase().replace(/^\[|\]$/g, '')), allowPrivateHosts: cfg.allowPrivateHosts };
}

export function etiquetteFor(s: SourceConfig): Etiquette {
  return { ...DEFAULT_ETIQUETTE, ...s.etiquette };
}

export function adapterFor(s: SourceConfig): SourceAdapter {
  switch (s.kind) {
    case 'govdeals':
    case 'allsurplus':
      return maestroAdapter({
        name: s.name,
        kind: s.kind,
        url: s.url,
        siteUrl: s.siteUrl ?? STOREFRONT[s.kind],
        pageSize: s.pageSize ?? 50,
        maxPages: s.maxPages ?? 20,
        search: s.search ?? {},
        currencyRates: s.currencyRates ?? {},
      });
    case 'publicsurplus':
      return publicSurplusAdapter({ name: s.name, listUrl: s.url, maxPages: s.maxPages ?? 20, render: s.render ?? false });
    case 'gsa':
      return gsaAdapter({ name: s.name, url: s.url });
    case 'feed':
      return feedUrlAdapter({ name: s.name, url: s.url });
  }
}
