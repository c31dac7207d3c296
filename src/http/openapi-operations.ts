// What the OpenAPI document says about each operation beyond its route schema: a stable
// operationId, and for routes whose schema does not describe them, their request bodies and the
// statuses they answer. A route's own schema wins where both speak. Every registered route must
// appear here (test/openapi-document.test.ts checks), so a new route cannot slip in undocumented.
// The JSON API's operations are below; the data-quality, rollout, incident, workspace and HTML
// pages' operations are in their own files.
import { PAGE_OPERATIONS } from './openapi-page-operations.js';
import { anyObject, error, text, type OperationDoc } from './openapi-shapes.js';
import { INCIDENT_OPERATIONS } from './openapi-incident-operations.js';
import { QUALITY_OPERATIONS } from './openapi-quality-operations.js';
import { ROLLOUT_OPERATIONS } from './openapi-rollout-operations.js';
import { WORKSPACE_OPERATIONS } from './openapi-workspace-operations.js';

export const OPERATIONS: Record<string, OperationDoc> = {
  'GET /api/opportunities': { operationId: 'listOpportunities' },
  'GET /api/opportunities/:id': { operationId: 'getOpportunity' },
  'GET /admin/feature-flags': { operationId: 'getFeatureFlags' },
  'POST /admin/feature-flags': {
    operationId: 'setFeatureFlags',
    body: {
      type: 'object',
      description:
        'Flag name → value (boolean, integer or enum string as the registry defines), or for a boolean flag a percentage rollout',
      minProperties: 1,
      additionalProperties: {
        anyOf: [
          { type: ['boolean', 'integer', 'string'] },
          {
            type: 'object',
            description:
              'Percentage rollout: on for the clients whose bucket (hash of flag name and API key, else client IP) is below percentage',
            required: ['percentage'],
            additionalProperties: false,
            properties: {
              percentage: { type: 'integer', minimum: 0, maximum: 100 },
              stickiness: { type: 'string', enum: ['apiKey', 'ip'] },
            },
          },
        ],
      },
    },
  },
  'DELETE /admin/feature-flags/:name': { operationId: 'clearFeatureFlagOverride' },
  'GET /admin/feature-flags/registry': { operationId: 'getFeatureFlagRegistry' },
  'GET /admin/audit': { operationId: 'listFlagAudit' },
  'POST /admin/imports': {
    operationId: 'importFeed',
    body: { type: 'string', description: 'The feed: CSV with a header row, or a JSON array of rows' },
  },
  'GET /healthz': { operationId: 'getLiveness' },
  'GET /readyz': { operationId: 'getReadiness' },
  'GET /metrics': { operationId: 'getMetrics', responses: { 200: text('Prometheus text exposition format', 'text/plain') } },
  'GET /openapi.json': {
    operationId: 'getOpenApiDocument',
    tags: ['operations'],
    summary: 'This OpenAPI document',
    responses: { 200: anyObject('OpenAPI 3.1 document') },
  },
  'GET /admin/snapshots/:sha256': {
    operationId: 'getSnapshot',
    tags: ['operations'],
    responses: {
      200: {
        description: 'The stored bytes; their SHA-256 equals the name (`X-Content-SHA256`)',
        content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
      },
      400: error,
      404: error,
    },
  },
  ...QUALITY_OPERATIONS,
  ...ROLLOUT_OPERATIONS,
  ...INCIDENT_OPERATIONS,
  ...WORKSPACE_OPERATIONS,
  ...PAGE_OPERATIONS,
};

/** A fallback id for a route missing from the table (the document test fails on it). */
export function fallbackOperationId(method: string, url: string): string {
  const words = url
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1));
  return `${method.toLowerCase()}${words.join('') || 'Root'}`;
}
