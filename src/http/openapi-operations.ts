// What the OpenAPI document says about each operation beyond its route schema: a stable
// operationId, and for routes whose schema does not describe them, their request bodies and the
// statuses they answer. A route's own schema wins where both speak. Every registered route must
// appear here (test/openapi-document.test.ts checks), so a new route cannot slip in undocumented.

const error = { $ref: 'Error#' };
const anyObject = (description: string) => ({ description, type: 'object', additionalProperties: true });
const html = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });
const text = (description: string, type: string) => ({ description, content: { [type]: { schema: { type: 'string' } } } });
const redirect = (description: string) => ({ description, type: 'null', headers: { Location: { type: 'string' } } });
const form = (properties: Record<string, unknown>, required: string[]) => ({
  consumes: ['application/x-www-form-urlencoded'],
  body: {
    type: 'object',
    properties: { _csrf: { type: 'string', description: "the session's CSRF token" }, ...properties },
    required: ['_csrf', ...required],
  },
});
const consoleForm = (operationId: string, summary: string, properties: Record<string, unknown>, required: string[]): OperationDoc => ({
  operationId,
  tags: ['console'],
  summary,
  ...form(properties, required),
  responses: { 303: redirect('Done or refused; back to the console with the outcome in `result`') },
});
const reason = {
  type: 'string',
  minLength: 1,
  maxLength: 500,
  description: 'why; kept in the audit log, the decision record and the notification the action sends',
};
const confirm = (what: string) => ({
  type: 'string',
  description: `absent on the first post (which answers the confirmation page); on the second, exactly ${what}`,
});
/** A console action that can hurt production: a reason, then a typed confirmation on a second page. */
const dangerousForm = (
  operationId: string,
  summary: string,
  properties: Record<string, unknown>,
  required: string[],
  phrase: string,
): OperationDoc => ({
  ...consoleForm(operationId, summary, { ...properties, reason, confirm: confirm(phrase) }, [...required, 'reason']),
  description: `Two steps. The first post (no \`confirm\`) answers 200 with a page saying what is about to happen and asking for ${phrase}; the second, with \`confirm\`, applies it and redirects (303). A blank \`reason\` or a wrong \`confirm\` answers 400 with a page naming the field; nothing changes.`,
  responses: {
    200: html('The confirmation page'),
    303: redirect('Applied (or refused by the service); back to the console with the outcome in `result`'),
    // The page is for a person at the form; a post the route's schema refuses (no `_csrf`, a field of
    // the wrong shape) gets the error envelope every other refusal uses.
    400: {
      description:
        'Blank or over-long reason, or a wrong confirmation: a page naming the field (`reason` or `confirm`); a malformed post: the error envelope. Nothing changed',
      content: { 'text/html': { schema: { type: 'string' } }, 'application/json': { schema: error } },
    },
  },
});

export interface OperationDoc {
  operationId: string;
  summary?: string;
  description?: string;
  tags?: string[];
  consumes?: string[];
  body?: unknown;
  querystring?: unknown;
  /** Statuses this operation answers, beyond the common ones its surface adds. */
  responses?: Record<string, unknown>;
}

const profileFields = {
  name: { type: 'string', minLength: 1, maxLength: 100 },
  zip: { type: 'string', pattern: '^[0-9]{5}$', description: 'home ZIP: transport is charged from the listing to here' },
  targetProfit: { type: 'number', minimum: 0, description: 'dollars (default 2000)' },
  targetRoi: { type: 'number', minimum: 0, description: 'percent (default 15)' },
  maxMiles: { type: ['integer', 'null'], minimum: 1, description: 'hide opportunities farther away (road miles)' },
  reconPerVehicle: { type: ['number', 'null'], minimum: 0, description: 'dollars; null uses the engine default' },
  email: { type: ['string', 'null'], description: 'where e-mail alerts go' },
};
const profile = anyObject("The dealer's profile: id, name, zip, state, targetProfit, targetRoi, maxMiles, reconPerVehicle, email, version");
const workspaceOp = (operationId: string, summary: string, extra: Partial<OperationDoc> = {}): OperationDoc => ({
  operationId,
  tags: ['workspace'],
  summary,
  ...extra,
});

const WORKSPACE_OPERATIONS: Record<string, OperationDoc> = {
  'POST /admin/dealers': workspaceOp('createDealer', 'Create a dealer; its API key is in the answer once and stored hashed', {
    body: { type: 'object', properties: profileFields, required: ['name', 'zip'], additionalProperties: false },
    responses: {
      201: {
        description: 'Created',
        type: 'object',
        properties: { id: { type: 'integer' }, apiKey: { type: 'string' } },
        required: ['id', 'apiKey'],
      },
      400: error,
    },
  }),
  'GET /admin/dealers': workspaceOp('listDealers', 'Every dealer profile (never the keys)', {
    responses: { 200: anyObject('`items`: dealer profiles') },
  }),
  'GET /api/me': workspaceOp('getMyProfile', "The calling dealer's profile", { responses: { 200: profile } }),
  'PATCH /api/me': workspaceOp('updateMyProfile', 'Change any profile fields; answers the new profile', {
    body: { type: 'object', properties: profileFields, additionalProperties: false },
    responses: { 200: profile, 400: error },
  }),
  'POST /api/me/searches': workspaceOp(
    'createSavedSearch',
    'Save a search; new or re-priced matches are alerted at most once per minIntervalMinutes',
    {
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'channels'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 100 },
          filters: {
            type: 'object',
            additionalProperties: { type: ['string', 'number'] },
            description:
              'the list filters (state, make, model, source, status, minProfit, minRoi, maxRisk, yearMin, yearMax, endsBefore, minHeadroom)',
          },
          channels: { type: 'array', items: { type: 'string', enum: ['webhook', 'email'] }, minItems: 1 },
          webhookUrl: {
            type: 'string',
            description: 'Slack-compatible webhook; private and loopback addresses are refused unless ALERT_WEBHOOK_ALLOW_PRIVATE=true',
          },
          minIntervalMinutes: { type: 'integer', minimum: 1, maximum: 10080, default: 5 },
        },
      },
      responses: { 201: anyObject('The saved search with its `id`'), 400: error },
    },
  ),
  'GET /api/me/searches': workspaceOp('listSavedSearches', "The dealer's saved searches", {
    responses: { 200: anyObject('`items`: saved searches') },
  }),
  'DELETE /api/me/searches/:id': workspaceOp('deleteSavedSearch', 'Delete a saved search', {
    responses: { 204: { description: 'Deleted', type: 'null' }, 404: error },
  }),
  'GET /api/me/alerts': workspaceOp('listMyAlerts', "Alert history, newest first, with each message's delivery status", {
    responses: { 200: anyObject('`items`: alerts with `deliveries`') },
  }),
  'GET /api/me/watchlist': workspaceOp('getWatchlist', 'Watched opportunities with personal numbers', {
    responses: { 200: anyObject('`items`: opportunities') },
  }),
  'PUT /api/me/watchlist/:opportunityId': workspaceOp(
    'watchOpportunity',
    'Watch an opportunity: alerts on a bid change, on passing the bid ceiling and one hour before the end',
    { responses: { 200: { $ref: 'Opportunity#' }, 404: error } },
  ),
  'DELETE /api/me/watchlist/:opportunityId': workspaceOp('unwatchOpportunity', 'Stop watching an opportunity', {
    responses: { 204: { description: 'Removed', type: 'null' }, 404: error },
  }),
};

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
    responses: { 200: anyObject('Quarantined records with the contract violations of each'), 400: error },
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
    responses: { 200: anyObject('Anomaly flags'), 400: error },
  },
  'POST /admin/anomalies/:id/false-positive': {
    operationId: 'markAnomalyFalsePositive',
    responses: { 200: anyObject('The flag, now a false positive, and the re-appraised opportunity'), 400: error, 404: error },
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
    responses: { 200: anyObject('Each criterion of the next gate: measured value, threshold, window, samples, pass') },
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
    responses: { 200: anyObject('The latest attestation per criterion') },
  },
  'POST /admin/rollout/attestations': {
    operationId: 'recordRolloutAttestation',
    tags: ['rollout'],
    responses: { 201: anyObject('Every attestation after this one'), 400: error },
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
  ...WORKSPACE_OPERATIONS,
  'GET /readyz': { operationId: 'getReadiness' },
  'GET /metrics': { operationId: 'getMetrics', responses: { 200: text('Prometheus text exposition format', 'text/plain') } },
  'GET /openapi.json': {
    operationId: 'getOpenApiDocument',
    tags: ['operations'],
    summary: 'This OpenAPI document',
    responses: { 200: anyObject('OpenAPI 3.1 document') },
  },
  'GET /': {
    operationId: 'getDealerPage',
    tags: ['dealer page'],
    summary:
      "Ranked opportunities as an HTML page with the signed-in dealer's figures (the API's filters, read leniently; what was ignored is named)",
    querystring: {
      type: 'object',
      properties: {
        state: { type: 'string' },
        make: { type: 'string' },
        model: { type: 'string' },
        status: { type: 'string' },
        minProfit: { type: 'string' },
        maxRisk: { type: 'string' },
        minHeadroom: { type: 'string' },
        sort: { type: 'string' },
        page: { type: 'string' },
      },
    },
    responses: { 200: html('The dealer page'), 503: error },
  },
  'GET /login': {
    operationId: 'getDealerSignIn',
    tags: ['dealer page'],
    summary: 'The dealer sign-in form (field `apiKey`)',
    responses: { 200: html('The sign-in page') },
  },
  'POST /login': {
    operationId: 'signInDealer',
    tags: ['dealer page'],
    summary: 'Trade a dealer API key for a session cookie; 10 failed attempts per IP per 15 minutes lock the IP out',
    consumes: ['application/x-www-form-urlencoded'],
    body: { type: 'object', properties: { apiKey: { type: 'string', maxLength: 200 } }, required: ['apiKey'] },
    responses: {
      303: redirect('Signed in: session cookie set, on to the list'),
      401: html('Key not accepted'),
      403: error,
      429: html('Locked out for a while'),
    },
  },
  'POST /logout': {
    operationId: 'signOutDealer',
    tags: ['dealer page'],
    summary: 'End the dealer session',
    ...form({}, []),
    responses: { 303: redirect('Signed out'), 403: error },
  },
  'GET /o/:id': {
    operationId: 'getOpportunityPage',
    tags: ['dealer page'],
    summary: 'One opportunity: cost breakdown, bid ceiling, valuation with comparables, VIN decode, anomalies, provenance, time left',
    responses: { 200: html('The opportunity page'), 404: html('Not found') },
  },
  'GET /searches': {
    operationId: 'getSearchesPage',
    tags: ['dealer page'],
    summary: 'Saved searches with alerts (signed in)',
    responses: { 200: html('The saved searches page'), 303: redirect('Not signed in: to /login') },
  },
  'POST /searches': {
    operationId: 'createSearchFromPage',
    tags: ['dealer page'],
    summary: 'Save a search from the form',
    ...form(
      {
        name: { type: 'string' },
        state: { type: 'string' },
        make: { type: 'string' },
        minProfit: { type: 'string' },
        minHeadroom: { type: 'string' },
        webhookUrl: { type: 'string' },
        webhook: { type: 'string' },
        email: { type: 'string' },
        minIntervalMinutes: { type: 'string' },
      },
      ['name'],
    ),
    responses: { 303: redirect('Back to the searches page, with the problem named when refused'), 403: error },
  },
  'POST /searches/:id/delete': {
    operationId: 'deleteSearchFromPage',
    tags: ['dealer page'],
    summary: 'Delete a saved search',
    ...form({}, []),
    responses: { 303: redirect('Back to the searches page'), 403: error },
  },
  'GET /watchlist': {
    operationId: 'getWatchlistPage',
    tags: ['dealer page'],
    summary: 'Watched auctions (signed in)',
    responses: { 200: html('The watchlist page'), 303: redirect('Not signed in: to /login') },
  },
  'POST /watchlist/:id': {
    operationId: 'watchFromPage',
    tags: ['dealer page'],
    summary: 'Watch an auction',
    ...form({}, []),
    responses: { 303: redirect('Back to the opportunity'), 403: error },
  },
  'POST /watchlist/:id/delete': {
    operationId: 'unwatchFromPage',
    tags: ['dealer page'],
    summary: 'Stop watching an auction',
    ...form({}, []),
    responses: { 303: redirect('Back to the watchlist'), 403: error },
  },
  'GET /assets/dealer.css': {
    operationId: 'getDealerStylesheet',
    tags: ['dealer page'],
    summary: "The dealer page's stylesheet",
    responses: { 200: text('CSS', 'text/css') },
  },
  'GET /console': {
    operationId: 'getConsole',
    tags: ['console'],
    summary: 'The SRE console: SLO tiles, alerts, rollout, flags',
    querystring: {
      type: 'object',
      properties: { result: { type: 'string', description: 'outcome of the last form' }, flag: { type: 'string' } },
    },
    responses: {
      200: html('The console page'),
      303: redirect('No session: to the sign-in page (browsers asking for HTML)'),
      401: error,
      403: error,
    },
  },
  'GET /console/events': {
    operationId: 'getConsoleEvents',
    tags: ['console'],
    summary: 'Server-Sent Events: alerts as published and SLO tiles every few seconds; ends when the session signs out',
    responses: {
      200: text('An event stream (`alert`, `tiles`)', 'text/event-stream'),
      303: redirect('No session: to the sign-in page'),
      401: error,
      403: error,
    },
  },
  'GET /console/login': {
    operationId: 'getConsoleSignIn',
    tags: ['console'],
    summary: 'The sign-in form (field `token`)',
    responses: { 200: html('The sign-in page') },
  },
  'POST /console/login': {
    operationId: 'signInToConsole',
    tags: ['console'],
    summary: 'Trade the admin token for a session cookie; 10 failed attempts per IP per 15 minutes lock the IP out',
    consumes: ['application/x-www-form-urlencoded'],
    body: { type: 'object', properties: { token: { type: 'string', maxLength: 512 } }, required: ['token'] },
    responses: {
      303: {
        description: 'Signed in: session cookie set, on to the console',
        type: 'null',
        headers: { Location: { type: 'string' }, 'Set-Cookie': { type: 'string' } },
      },
      401: html('Token not accepted (the sign-in page again)'),
      403: error,
      415: error,
      429: { ...html('Too many failed attempts from this address'), headers: { 'Retry-After': { type: 'integer' } } },
      503: error,
    },
  },
  'POST /console/logout': {
    operationId: 'signOutOfConsole',
    tags: ['console'],
    summary: 'End the session everywhere and close its event streams',
    ...form({}, []),
    responses: { 303: redirect('Signed out: to the sign-in page'), 403: error },
  },
  'GET /console/assets/console.css': {
    operationId: 'getConsoleStylesheet',
    tags: ['console'],
    summary: "The console's stylesheet",
    responses: { 200: text('CSS', 'text/css') },
  },
  'GET /console/assets/console.js': {
    operationId: 'getConsoleScript',
    tags: ['console'],
    summary: "The console's script",
    responses: { 200: text('JavaScript', 'text/javascript') },
  },
  'POST /console/flags': dangerousForm(
    'setFlagFromConsole',
    'Set a flag (persisted, audited, propagated)',
    { name: { type: 'string' }, value: { type: 'string', description: 'the value, or "N%" for a percentage rollout of a boolean flag' } },
    ['name', 'value'],
    "the flag's name",
  ),
  'POST /console/rollout/advance': dangerousForm(
    'advanceRolloutFromConsole',
    'Advance the rollout one phase',
    { force: { type: 'string', enum: ['yes'], description: 'advance even though the gate fails (audited)' } },
    [],
    '"advance"',
  ),
  'POST /console/rollout/rollback': dangerousForm('rollbackRolloutFromConsole', 'Roll the rollout back one phase', {}, [], '"rollback"'),
  'POST /console/rollout/rearm': dangerousForm(
    'rearmTriggerFromConsole',
    'Re-arm a latched trigger',
    { trigger: { type: 'string' } },
    ['trigger'],
    "the trigger's id",
  ),
  'GET /api/status': {
    operationId: 'getServiceStatus',
    tags: ['operations'],
    responses: {
      200: anyObject('`status` (ok, degraded or incident) and the open and lately resolved incidents with their public updates'),
      503: error,
    },
  },
  'GET /admin/incidents': {
    operationId: 'listIncidents',
    tags: ['operations'],
    querystring: {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['open', 'resolved', 'all'], default: 'all' },
        limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
      },
    },
    responses: {
      200: anyObject('`items`: incidents with their timeline of steps, deliveries, acknowledgement and resolution'),
      400: error,
    },
  },
  'POST /admin/incidents': {
    operationId: 'openIncident',
    tags: ['operations'],
    responses: {
      200: anyObject('The open incident of the same cause, joined (`joined: true`)'),
      201: anyObject('The incident opened'),
      400: error,
    },
  },
  'POST /admin/incidents/:id/ack': {
    operationId: 'acknowledgeIncident',
    tags: ['operations'],
    responses: { 200: anyObject('The incident and whether this call acknowledged it'), 400: error, 404: error },
  },
  'POST /admin/incidents/:id/resolve': {
    operationId: 'resolveIncident',
    tags: ['operations'],
    body: { type: 'object', properties: { note: { type: 'string', maxLength: 500 } } },
    responses: { 200: anyObject('`incident`: the resolved incident'), 400: error, 404: error },
  },
  'GET /admin/notifications': {
    operationId: 'listNotifications',
    tags: ['operations'],
    querystring: {
      type: 'object',
      properties: {
        status: { type: 'string' },
        topic: { type: 'string' },
        limit: { type: 'integer', minimum: 1, maximum: 5000, default: 200 },
      },
    },
    responses: { 200: anyObject('`items`: webhook and e-mail deliveries with status, attempts and last error'), 400: error },
  },
  'POST /admin/notifications/:id/retry': {
    operationId: 'retryNotification',
    tags: ['operations'],
    responses: { 200: anyObject('`{ id, status: "pending" }`'), 400: error, 409: error },
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
  'GET /console/incidents': {
    operationId: 'getConsoleIncidents',
    tags: ['console'],
    summary: 'Incidents with their escalation timeline, and acknowledge / resolve buttons',
    responses: {
      200: html('The incidents page'),
      303: redirect('No session: to the sign-in page (browsers asking for HTML)'),
      401: error,
      403: error,
    },
  },
  'POST /console/incidents/:id/ack': consoleForm('acknowledgeIncidentFromConsole', 'Acknowledge an incident: escalation stops', {}, []),
  'POST /console/incidents/:id/resolve': consoleForm(
    'resolveIncidentFromConsole',
    'Resolve an incident; every channel it reached is told',
    { note: { type: 'string', maxLength: 500 } },
    [],
  ),
};

/** A fallback id for a route missing from the table (the document test fails on it). */
export function fallbackOperationId(method: string, url: string): string {
  const words = url
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1));
  return `${method.toLowerCase()}${words.join('') || 'Root'}`;
}
