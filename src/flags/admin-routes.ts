// The flag admin API (README, Admin API): read, override and clear feature flags, and the audit log.
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { ApiError } from '../common/errors.js';
import type { FlagControl } from './flag-control.js';
import { validateOverrides } from './overrides-store.js';
import { FEATURE_FLAGS, FLAG_NAMES, FLAGS, flagsFromPhase, isFlagName, MAX_PHASE, phaseValues } from './registry.js';

const MAX_REASON = 500;

export function actorOf(request: FastifyRequest): string {
  return (request as FastifyRequest & { actor?: string }).actor ?? 'unknown';
}

/** `X-Change-Reason`, trimmed and bounded; absent means no reason given. */
export function changeReason(request: FastifyRequest): string | null {
  const raw = request.headers['x-change-reason'];
  const text = (Array.isArray(raw) ? raw.join(' ') : (raw ?? '')).trim();
  return text ? text.slice(0, MAX_REASON) : null;
}

const flagViewSchema = {
  description: "Every flag's value, the layer it came from, the rollout phase and whether the kill switch is on",
  type: 'object',
  additionalProperties: false,
  required: ['flags', 'sources', 'phase', 'phaseRecorded', 'emergency'],
  properties: {
    flags: { type: 'object', additionalProperties: true },
    sources: { type: 'object', additionalProperties: { type: 'string' } },
    phase: { type: 'integer', minimum: 0, maximum: MAX_PHASE, description: 'the phase in force; 4 when none is recorded' },
    phaseRecorded: { type: 'boolean', description: 'false where no phase is recorded (development: the built-in defaults)' },
    emergency: { type: 'boolean' },
  },
} as const;

const error = { $ref: 'Error#' } as const;

const auditSchema = {
  description: 'Flag and rollout changes, newest first',
  type: 'object',
  required: ['entries'],
  properties: {
    entries: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'at', 'actor', 'flag', 'old', 'new', 'reason'],
        properties: {
          id: { type: 'integer' },
          at: { type: 'string', format: 'date-time' },
          actor: { type: 'string', description: 'token id, never the token' },
          flag: { type: 'string' },
          old: { description: 'value before; null when there was none' },
          new: { description: 'value after; null when the override was removed' },
          reason: { type: ['string', 'null'] },
        },
      },
    },
  },
} as const;

export interface FlagAdminRoutesOptions {
  /** The admin bearer-token check. */
  admin: preHandlerAsyncHookHandler;
  control: FlagControl;
}

export async function flagAdminRoutes(app: FastifyInstance, { admin: auth, control }: FlagAdminRoutesOptions): Promise<void> {
  app.get(
    '/admin/feature-flags',
    {
      preHandler: auth,
      schema: {
        tags: ['admin'],
        summary: 'Every flag with its value, the layer it came from, the rollout phase and the kill switch',
        response: { 200: flagViewSchema },
      },
    },
    async () => control.publicView(),
  );

  app.post(
    '/admin/feature-flags',
    {
      preHandler: auth,
      schema: {
        tags: ['admin'],
        summary: 'Set runtime overrides (persisted, audited, propagated to every replica within 1 s)',
        description:
          'Body: a JSON object of overrides, e.g. {"ENABLE_PRODUCTION_CACHE": false}, or a percentage rollout of a boolean flag, {"ENABLE_PRODUCTION_CACHE": {"percentage": 25, "stickiness": "apiKey"}} (stickiness apiKey or ip; default the API key, else the client IP). An unknown flag or a wrongly typed value rejects the whole body. Reason in X-Change-Reason. {"EMERGENCY_ROLLBACK": false} releases the kill switch: it removes the runtime override and never stores a false.',
        response: { 200: flagViewSchema, 400: error },
      },
    },
    async (request) => {
      const checked = validateOverrides(request.body);
      if (!checked.ok)
        throw new ApiError(400, 'invalid_flag_override', 'Unknown flag or wrongly typed value; nothing was changed', checked.errors);
      return control.setOverrides(checked.values, { actor: actorOf(request), reason: changeReason(request) });
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/admin/feature-flags/:name',
    {
      preHandler: auth,
      schema: {
        tags: ['admin'],
        summary: 'Clear one runtime override; the flag falls back to the lower layers',
        params: { type: 'object', properties: { name: { type: 'string', maxLength: 100 } }, required: ['name'] },
        response: { 200: flagViewSchema, 400: error, 404: error },
      },
    },
    async (request) => {
      const { name } = request.params;
      if (!isFlagName(name)) throw new ApiError(400, 'unknown_flag', `Unknown feature flag ${name}`);
      const removed = await control.clearOverrides([name], { actor: actorOf(request), reason: changeReason(request) });
      if (removed.length === 0) throw new ApiError(404, 'no_override', `${name} has no runtime override`);
      return control.publicView();
    },
  );

  app.get<{ Querystring: { limit?: number; flag?: string } }>(
    '/admin/audit',
    {
      preHandler: auth,
      schema: {
        tags: ['admin'],
        summary: 'Flag and rollout change log: token id, time, old, new, reason (newest first)',
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, flag: { type: 'string', maxLength: 100 } },
          additionalProperties: false,
        },
        response: { 200: auditSchema, 400: error },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 100;
      // Ajv's integer coercion reads "1e309" as Infinity and lets it through the maximum.
      if (!Number.isSafeInteger(limit))
        throw new ApiError(400, 'invalid_request', 'Invalid querystring: limit', [
          { field: 'limit', message: 'must be an integer 1–1000' },
        ]);
      return { entries: await control.audit(limit, request.query.flag) };
    },
  );

  app.get(
    '/admin/feature-flags/registry',
    {
      preHandler: auth,
      schema: {
        tags: ['admin'],
        summary: "Flag definitions, every phase's values and the rollback scripts' feature names",
        response: {
          200: {
            description: 'The flag registry',
            type: 'object',
            required: ['flags', 'phases', 'phaseFlags', 'features', 'maxPhase'],
            properties: {
              flags: { type: 'object', additionalProperties: true },
              phases: { type: 'object', additionalProperties: true },
              phaseFlags: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
              features: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
              maxPhase: { type: 'integer' },
            },
          },
        },
      },
    },
    async () => {
      const phases: Record<string, unknown> = {};
      const phaseFlags: Record<string, string[]> = {};
      for (let p = 0; p <= MAX_PHASE; p++) {
        phases[p] = phaseValues(p);
        if (p > 0) phaseFlags[p] = flagsFromPhase(p);
      }
      return {
        flags: Object.fromEntries(FLAG_NAMES.map((n) => [n, FLAGS[n]])),
        phases,
        phaseFlags,
        features: FEATURE_FLAGS,
        maxPhase: MAX_PHASE,
      };
    },
  );
}
