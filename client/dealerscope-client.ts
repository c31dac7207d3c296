// A typed DealerScope client: openapi-fetch over the types openapi-typescript generates from the
// server's OpenAPI document (`npm run client:generate` writes client/generated/api.d.ts; it is
// generated, never committed, so it cannot drift from the document). Every call returns the
// documented success body or throws DealerScopeError carrying the documented error envelope.
import createClient from 'openapi-fetch';
import type { components, paths } from './generated/api.js';

export type Opportunity = components['schemas']['Opportunity'];
export type ErrorBody = components['schemas']['Error'];
export type ListQuery = NonNullable<paths['/api/opportunities']['get']['parameters']['query']>;
export type FlagView = paths['/admin/feature-flags']['get']['responses'][200]['content']['application/json'];
export type ImportSummary = paths['/admin/imports']['post']['responses'][200]['content']['application/json'];

export class DealerScopeError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody | undefined,
    readonly requestId: string | null,
  ) {
    super(body ? `${status} ${body.error.code}: ${body.error.message}` : `HTTP ${status}`);
  }
}

export interface ClientOptions {
  /** Dealer API key (X-API-Key) for /api/*. */
  apiKey?: string;
  /** Operator token for /admin/*. */
  adminToken?: string;
  fetch?: typeof fetch;
}

function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data !== undefined && result.response.ok) return result.data;
  const body = result.error && typeof result.error === 'object' && 'error' in result.error ? (result.error as ErrorBody) : undefined;
  throw new DealerScopeError(result.response.status, body, result.response.headers.get('x-request-id'));
}

export function dealerScopeClient(baseUrl: string, opts: ClientOptions = {}) {
  const headers: Record<string, string> = {};
  if (opts.apiKey) headers['X-API-Key'] = opts.apiKey;
  const api = createClient<paths>({ baseUrl, headers, fetch: opts.fetch });
  const admin = { Authorization: `Bearer ${opts.adminToken ?? ''}` };
  return {
    /** The generated client itself, for operations without a helper here. */
    api,
    async opportunities(query: ListQuery = {}) {
      return unwrap(await api.GET('/api/opportunities', { params: { query } }));
    },
    async opportunity(id: number): Promise<Opportunity> {
      return unwrap(await api.GET('/api/opportunities/{id}', { params: { path: { id: String(id) } } }));
    },
    async featureFlags(): Promise<FlagView> {
      return unwrap(await api.GET('/admin/feature-flags', { headers: admin }));
    },
    async setFeatureFlags(values: Record<string, boolean | number | string>, reason?: string): Promise<FlagView> {
      return unwrap(
        await api.POST('/admin/feature-flags', { body: values, headers: { ...admin, ...(reason ? { 'X-Change-Reason': reason } : {}) } }),
      );
    },
    async importFeed(csv: string): Promise<ImportSummary> {
      return unwrap(
        await api.POST('/admin/imports', { body: csv, headers: { ...admin, 'Content-Type': 'text/csv' }, bodySerializer: (b) => b }),
      );
    },
  };
}
