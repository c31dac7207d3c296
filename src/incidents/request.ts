// Reading an incident request: the id in the path and who is acting.
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../common/errors.js';

const ID = /^[1-9][0-9]{0,14}$/;

export function idParam(request: FastifyRequest): number {
  const raw = (request.params as { id: string }).id;
  if (!ID.test(raw))
    throw new ApiError(400, 'invalid_request', 'Invalid path parameter: id', [{ field: 'id', message: 'must be a positive integer' }]);
  return Number(raw);
}

/** The admin token's id (admin API) or the console session's actor. */
export function actorOf(request: FastifyRequest): string {
  return (request as FastifyRequest & { actor?: string }).actor ?? request.consoleAuth?.actor ?? 'admin';
}
