// The dealer workspace's operations (profile, saved searches, alerts, watchlist), for the
// operation table in openapi-operations.ts.
import { closed, error, instant, listOf, nullableInstant, operationsTagged, type OperationDoc } from './openapi-shapes.js';

const profileFields = {
  name: { type: 'string', minLength: 1, maxLength: 100 },
  zip: { type: 'string', pattern: '^[0-9]{5}$', description: 'home ZIP: transport is charged from the listing to here' },
  targetProfit: { type: 'number', minimum: 0, description: 'dollars (default 2000)' },
  targetRoi: { type: 'number', minimum: 0, description: 'percent (default 15)' },
  maxMiles: { type: ['integer', 'null'], minimum: 1, description: 'hide opportunities farther away (road miles)' },
  reconPerVehicle: { type: ['number', 'null'], minimum: 0, description: 'dollars; null uses the engine default' },
  email: { type: ['string', 'null'], description: 'where e-mail alerts go' },
};
const profile = closed("The dealer's profile", {
  id: { type: 'integer' },
  name: { type: 'string' },
  zip: { type: 'string', pattern: '^[0-9]{5}$' },
  state: { type: 'string', description: "the ZIP's state" },
  targetProfit: { type: 'number', description: 'dollars' },
  targetRoi: { type: 'number', description: 'percent' },
  maxMiles: { type: ['integer', 'null'] },
  reconPerVehicle: { type: ['number', 'null'], description: "dollars; null uses the engine's recon reserve" },
  email: { type: ['string', 'null'] },
  version: { type: 'integer', description: 'rises with every change; personal figures are computed for one version' },
  createdAt: instant,
  updatedAt: instant,
  revoked: { type: 'boolean', description: 'the key no longer identifies the dealer' },
});
const savedSearch = closed('A saved search', {
  id: { type: 'integer' },
  name: { type: 'string' },
  filters: { type: 'object', additionalProperties: { type: 'string' }, description: 'the list filters as saved, each as query text' },
  channels: { type: 'array', items: { type: 'string', enum: ['webhook', 'email'] } },
  webhookUrl: { type: ['string', 'null'] },
  minIntervalMinutes: { type: 'integer' },
  lastAlertAt: nullableInstant,
  createdAt: instant,
});
const alert = closed('An alert and where it went', {
  id: { type: 'integer' },
  kind: {
    type: 'string',
    description: 'what raised it: a saved search, or a watched opportunity (bid change, ceiling passed, ending soon)',
  },
  searchId: { type: ['integer', 'null'] },
  opportunityId: { type: ['integer', 'null'] },
  text: { type: 'string' },
  createdAt: instant,
  deliveries: {
    type: 'array',
    items: closed('One destination of the alert', {
      id: { type: ['integer', 'null'], description: 'the outbox message; null for a destination refused before it was queued' },
      kind: { type: 'string', enum: ['webhook', 'email'] },
      target: { type: 'string' },
      status: { type: 'string' },
      attempts: { type: 'integer' },
      lastError: { type: ['string', 'null'] },
      deliveredAt: nullableInstant,
    }),
  },
});
const opportunity = { $ref: 'Opportunity#' };
const tagged = operationsTagged('workspace');
const workspaceOp = (operationId: string, summary: string, extra: Partial<OperationDoc> = {}): OperationDoc =>
  tagged(operationId, { summary, ...extra });

export const WORKSPACE_OPERATIONS: Record<string, OperationDoc> = {
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
    responses: { 200: listOf('Every dealer profile', profile) },
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
      responses: { 201: savedSearch, 400: error },
    },
  ),
  'GET /api/me/searches': workspaceOp('listSavedSearches', "The dealer's saved searches", {
    responses: { 200: listOf("The dealer's saved searches, oldest first", savedSearch) },
  }),
  'DELETE /api/me/searches/:id': workspaceOp('deleteSavedSearch', 'Delete a saved search', {
    responses: { 204: { description: 'Deleted', type: 'null' }, 404: error },
  }),
  'GET /api/me/alerts': workspaceOp('listMyAlerts', "Alert history, newest first, with each message's delivery status", {
    querystring: {
      type: 'object',
      properties: {
        limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
        before: { type: 'integer', minimum: 1, description: 'only alerts older than this alert id: the `nextBefore` of the previous page' },
      },
    },
    responses: {
      200: listOf('Alerts, newest first', alert, {
        nextBefore: {
          type: ['integer', 'null'],
          description: 'the alert id to pass as `before` for the next (older) page; null on the last',
        },
      }),
      400: error,
    },
  }),
  'GET /api/me/watchlist': workspaceOp('getWatchlist', 'Watched opportunities with personal numbers', {
    responses: { 200: listOf('Watched opportunities, in the order they were watched', opportunity) },
  }),
  'PUT /api/me/watchlist/:opportunityId': workspaceOp(
    'watchOpportunity',
    'Watch an opportunity: alerts on a bid change, on passing the bid ceiling and one hour before the end',
    {
      responses: {
        200: { $ref: 'Opportunity#' },
        404: error,
        409: error,
      },
    },
  ),
  'DELETE /api/me/watchlist/:opportunityId': workspaceOp('unwatchOpportunity', 'Stop watching an opportunity', {
    responses: { 204: { description: 'Removed', type: 'null' }, 404: error },
  }),
};
