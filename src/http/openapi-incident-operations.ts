// The incident and notification-outbox operations (what an operator paged at night reads), for the
// operation table in openapi-operations.ts: every answer described field by field.
import { closed, error, instant, listOf, nullableInstant, operationsTagged, type OperationDoc } from './openapi-shapes.js';

// An outbox message's fields; an incident's timeline shows a few of them with each message it sent.
const deliveryFields = {
  id: { type: 'integer' },
  kind: { type: 'string', enum: ['webhook', 'email'] },
  target: { type: 'string', description: 'the destination as it may be shown (webhook paths hidden)' },
  subject: { type: 'string' },
  topic: { type: 'string' },
  purpose: { type: 'string' },
  status: { type: 'string', enum: ['pending', 'sending', 'delivered', 'dead'] },
  attempts: { type: 'integer' },
  lastError: { type: ['string', 'null'] },
  createdAt: instant,
  nextAttemptAt: nullableInstant,
  deliveredAt: nullableInstant,
};
const delivery = closed('A webhook or e-mail message in the outbox', deliveryFields);
const step = closed('One escalation step', {
  step: { type: 'integer', minimum: 1, maximum: 4 },
  audience: { type: 'string', enum: ['incidents', 'engineering', 'management', 'dealers'] },
  dueAt: instant,
  takenAt: nullableInstant,
  takenBy: { type: ['string', 'null'] },
  outcome: { type: ['string', 'null'] },
});
const timelineEntry = {
  description: 'One event of the incident, a step taken, or a message sent (with its delivery record)',
  type: 'object',
  additionalProperties: false,
  required: ['at', 'kind', 'step', 'actor', 'message'],
  properties: {
    at: instant,
    kind: { type: 'string', enum: ['opened', 'repeat', 'step', 'notice', 'acknowledged', 'resolved', 'delivery'] },
    step: { type: ['integer', 'null'] },
    actor: { type: ['string', 'null'] },
    message: { type: 'string' },
    delivery: closed('The outbox record of a message (destination redacted)', {
      id: deliveryFields.id,
      purpose: deliveryFields.purpose,
      target: deliveryFields.target,
      status: deliveryFields.status,
      attempts: deliveryFields.attempts,
      lastError: deliveryFields.lastError,
    }),
  },
};
const incident = closed('An incident with its escalation steps and its whole timeline', {
  id: { type: 'integer' },
  cause: { type: 'string' },
  title: { type: 'string' },
  detail: { type: ['string', 'null'] },
  userFacing: { type: 'boolean' },
  status: { type: 'string', enum: ['open', 'resolved'] },
  startedAt: instant,
  acknowledgedAt: nullableInstant,
  acknowledgedBy: { type: ['string', 'null'] },
  resolvedAt: nullableInstant,
  resolvedBy: { type: ['string', 'null'] },
  resolution: { type: ['string', 'null'] },
  noticeAt: { ...nullableInstant, description: 'when the notice went up on dealer pages (step 4); null when it never did' },
  steps: { type: 'array', items: step },
  timeline: { type: 'array', items: timelineEntry },
});
const publicIncident = closed('An incident as the public status shows it', {
  id: { type: 'integer' },
  title: { type: 'string' },
  startedAt: instant,
  userFacing: { type: 'boolean' },
  resolvedAt: nullableInstant,
  updates: { type: 'array', items: closed('A public update', { at: instant, text: { type: 'string' } }) },
});
const operationsOp = operationsTagged('operations');

export const INCIDENT_OPERATIONS: Record<string, OperationDoc> = {
  'GET /api/status': operationsOp('getServiceStatus', {
    responses: {
      200: closed('The service status, and the open and lately resolved incidents with their public updates', {
        status: { type: 'string', enum: ['ok', 'degraded', 'incident'] },
        incidents: { type: 'array', items: publicIncident },
      }),
      503: error,
    },
  }),
  'GET /admin/incidents': operationsOp('listIncidents', {
    querystring: {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['open', 'resolved', 'all'], default: 'all' },
        limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
      },
    },
    responses: { 200: listOf('Incidents, newest first', incident), 400: error },
  }),
  'POST /admin/incidents': operationsOp('openIncident', {
    responses: {
      200: closed('The open incident of the same cause, joined', { incident, joined: { type: 'boolean', const: true } }),
      201: closed('The incident opened', { incident, joined: { type: 'boolean', const: false } }),
      400: error,
    },
  }),
  'POST /admin/incidents/:id/ack': operationsOp('acknowledgeIncident', {
    responses: {
      200: closed('The incident, and whether this call acknowledged it (false: it already was)', {
        incident,
        changed: { type: 'boolean' },
      }),
      400: error,
      404: error,
    },
  }),
  'POST /admin/incidents/:id/resolve': operationsOp('resolveIncident', {
    body: { type: 'object', properties: { note: { type: 'string', maxLength: 500 } } },
    responses: { 200: closed('The resolved incident', { incident }), 400: error, 404: error },
  }),
  'GET /admin/notifications': operationsOp('listNotifications', {
    querystring: {
      type: 'object',
      properties: {
        status: { type: 'string' },
        topic: { type: 'string' },
        limit: { type: 'integer', minimum: 1, maximum: 5000, default: 200 },
      },
    },
    responses: { 200: listOf('Webhook and e-mail deliveries, newest first', delivery), 400: error },
  }),
  'POST /admin/notifications/:id/retry': operationsOp('retryNotification', {
    responses: {
      200: closed('The message, queued again', { id: { type: 'integer' }, status: { type: 'string', const: 'pending' } }),
      400: error,
      409: error,
    },
  }),
};
