// What the OpenAPI document says about each operation beyond its route schema: a stable
// operationId, and for routes whose schema does not describe them, their request bodies and the
// statuses they answer. A route's own schema wins where both speak. Every registered route must
// appear here (test/openapi-document.test.ts checks), so a new route cannot slip in undocumented.
// The JSON API's operations are below; the workspace's and the HTML pages' are in their own files.
import { PAGE_OPERATIONS } from './openapi-page-operations.js';
import { anyObject, closed, error, instant, text, type OperationDoc } from './openapi-shapes.js';
import { INCIDENT_OPERATIONS } from './openapi-incident-operations.js';
import { WORKSPACE_OPERATIONS } from './openapi-workspace-operations.js';

const anomalyRecord = closed('An anomaly flag', {
  id: { type: 'integer' },
  listingId: { type: ['integer', 'null'] },
  opportunityId: { type: ['integer', 'null'] },
  source: { type: 'string' },
  lotId: { type: 'string' },
  kind: { type: 'string' },
  detail: { type: 'string' },
  status: { type: 'string', enum: ['open', 'false_positive', 'confirmed', 'resolved'] },
  detectedAt: instant,
  updatedAt: instant,
  markedBy: { type: ['string', 'null'], description: 'who gave the verdict' },
});
const quarantinedRecord = closed('A record the listing contract held back', {
  id: { type: 'integer' },
  source: { type: 'string' },
  lotId: { type: 'string' },
  origin: { type: 'string' },
  importId: { type: ['integer', 'null'] },
  row: { type: ['integer', 'null'], description: 'the row of the file it came from, when it came from a file' },
  contractVersion: { type: 'string' },
  reasons: {
    type: 'array',
    items: closed('A contract rule the record breaks', {
      rule: { type: 'string' },
      field: { type: 'string' },
      message: { type: 'string' },
    }),
  },
  record: { type: 'object', additionalProperties: true, description: 'the listing as it was read' },
  status: { type: 'string', enum: ['quarantined', 'released'] },
  quarantinedAt: instant,
  updatedAt: instant,
});

const attestation = closed("An operator's word that a criterion no metric can show is met", {
  criterion: { type: 'string' },
  actor: { type: 'string' },
  at: instant,
  evidence: { type: 'string', description: 'a link or a summary' },
});
const latch = closed('A trigger that fired and blocks every advance until re-armed', {
  trigger: { type: 'string' },
  decisionId: { type: 'integer', description: 'the rollback decision it latched with' },
  latchedAt: instant,
});
const gateReport = closed('Each criterion of the gate into the next phase, and whether the gate passes', {
  from: { type: 'integer' },
  to: { anyOf: [{ type: 'integer' }, { type: 'string', const: 'complete' }] },
  pass: { type: 'boolean' },
  evaluatedAt: instant,
  windowMs: { type: 'integer' },
  criteria: {
    type: 'array',
    items: {
      description: 'One criterion: a measured value against its threshold, or an attestation',
      type: 'object',
      additionalProperties: false,
      required: ['id', 'label', 'kind', 'pass', 'value', 'threshold', 'unit', 'windowMs', 'samples'],
      properties: {
        id: { type: 'string' },
        label: { type: 'string' },
        kind: { type: 'string', enum: ['measured', 'attestation'] },
        pass: { type: 'boolean' },
        value: { type: ['number', 'null'], description: 'measured: the value (null: no data); attestation: null' },
        threshold: { type: ['string', 'null'], description: 'the comparison, e.g. "< 200"' },
        unit: { type: ['string', 'null'] },
        windowMs: { type: ['integer', 'null'] },
        samples: { type: ['integer', 'null'] },
        attestation: { anyOf: [attestation, { type: 'null' }] },
        note: { type: 'string' },
      },
    },
  },
  latches: { type: 'array', items: latch },
});

export const OPERATIONS: Record<string, OperationDoc> = {
  'GET /api/opportunities': { operationId: 'listOpportunities' },
  'GET /api/opportunities/:id': { operationId: 'getOpportunity' },
  'GET /api/opportunities/:id/provenance': {
    operationId: 'getOpportunityProvenance',
    querystring: { type: 'object', properties: { format: { type: 'string', enum: ['json', 'prov-json'], default: 'json' } } },
    responses: { 200: anyObject('Provenance of every published field (or W3C PROV-JSON)'), 400: error, 404: error },
  },
  'GET /api/contracts/listing': { operationId: 'getListingContract', responses: { 200: anyObject('The versioned listing data contract') } },
  'GET /api/quality': {
    operationId: 'getDataQuality',
    responses: {
      200: anyObject('Quality score per source and overall, contract compliance, anomaly false-positive ratio, provenance coverage'),
    },
  },
  'GET /api/quarantine': {
    operationId: 'listQuarantine',
    querystring: {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['quarantined', 'released', 'all'] },
        source: { type: 'string' },
        limit: { type: 'integer', minimum: 1 },
        offset: { type: 'integer', minimum: 0 },
      },
    },
    responses: {
      200: closed('Quarantined records, latest first, and how many match', {
        items: { type: 'array', items: quarantinedRecord },
        total: { type: 'integer' },
      }),
      400: error,
    },
  },
  'GET /admin/anomalies': {
    operationId: 'listAnomalies',
    querystring: {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['open', 'false_positive', 'confirmed', 'resolved'] },
        limit: { type: 'integer', minimum: 1 },
        offset: { type: 'integer', minimum: 0 },
      },
    },
    responses: {
      200: closed('Anomaly flags, and how many match', { items: { type: 'array', items: anomalyRecord }, total: { type: 'integer' } }),
      400: error,
    },
  },
  'POST /admin/anomalies/:id/false-positive': {
    operationId: 'markAnomalyFalsePositive',
    responses: {
      200: closed('The flag, now a false positive, and how many listings were re-appraised (its own, when it has one)', {
        anomaly: anomalyRecord,
        reappraised: { type: 'integer', minimum: 0 },
      }),
      400: error,
      404: error,
    },
  },
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
  'GET /admin/rollout': {
    operationId: 'getRolloutStatus',
    tags: ['rollout'],
    responses: { 200: anyObject('Phase, dry-run switch, trigger states and latches') },
  },
  'GET /admin/rollout/gate': {
    operationId: 'getRolloutGate',
    tags: ['rollout'],
    responses: { 200: gateReport },
  },
  'POST /admin/rollout/advance': {
    operationId: 'advanceRollout',
    tags: ['rollout'],
    responses: { 200: anyObject('The decision record of the advance'), 400: error, 409: error },
  },
  'POST /admin/rollout/rollback': {
    operationId: 'rollbackRollout',
    tags: ['rollout'],
    responses: { 200: anyObject('The decision record of the rollback'), 400: error },
  },
  'GET /admin/rollout/decisions': {
    operationId: 'listRolloutDecisions',
    tags: ['rollout'],
    responses: {
      200: anyObject(
        "`decisions`, newest first, with their evidence; `source`: database, or memory while the database does not answer (this replica's decisions since it started, held ones with a negative provisional id and `recorded: false`); `recording`: whether decisions reach the database",
      ),
    },
  },
  'POST /admin/rollout/rearm': {
    operationId: 'rearmRolloutTrigger',
    tags: ['rollout'],
    responses: { 200: anyObject('Trigger states after the re-arm'), 400: error },
  },
  'GET /admin/rollout/attestations': {
    operationId: 'listRolloutAttestations',
    tags: ['rollout'],
    responses: { 200: closed('The latest attestation per criterion', { attestations: { type: 'array', items: attestation } }) },
  },
  'POST /admin/rollout/attestations': {
    operationId: 'recordRolloutAttestation',
    tags: ['rollout'],
    responses: {
      201: closed('The latest attestation per criterion, this one included', { attestations: { type: 'array', items: attestation } }),
      400: error,
    },
  },
  'POST /admin/rollout/dry-run': {
    operationId: 'setRolloutDryRun',
    tags: ['rollout'],
    responses: { 200: anyObject('Rollout status after the switch') },
  },
  'GET /admin/rollout/canary': {
    operationId: 'getCanaryAnalysis',
    tags: ['rollout'],
    responses: {
      200: anyObject(
        '`flags`: per percentage flag, `rollout`, `cohorts` (treatment and control: requests, errors, errorRate, p50Ms, p95Ms over `windowMs`), `verdict` (pass | fail | inconclusive), `reasons`, and the `latency` (Mann–Whitney U) and `errors` (two-proportion z) tests; `runs`: progressive canaries',
      ),
    },
  },
  'POST /admin/rollout/canary/:flag': {
    operationId: 'startCanary',
    tags: ['rollout'],
    responses: { 202: anyObject('The run: steps, current percentage, state, history'), 400: error, 409: error },
  },
  'DELETE /admin/rollout/canary/:flag': {
    operationId: 'stopCanary',
    tags: ['rollout'],
    responses: { 200: anyObject('The stopped run'), 404: error },
  },
  'POST /admin/rollout/canary/:flag/rearm': {
    operationId: 'rearmCanary',
    tags: ['rollout'],
    responses: { 200: anyObject('`rearmed` latches and the re-arm `decisionId` (null when nothing was latched)'), 400: error },
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
