// The HTML surfaces' operations — the dealer pages and the SRE console with its forms — for the
// operation table in openapi-operations.ts.
import { consoleForm, error, form, html, redirect, text, type OperationDoc } from './openapi-shapes.js';

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

export const PAGE_OPERATIONS: Record<string, OperationDoc> = {
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
