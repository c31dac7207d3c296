// Admin bearer-token authentication: 401 without a token, 403 with a wrong one.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../common/errors.js';

/** Hashing both sides first gives equal-length buffers, so the comparison time leaks nothing. */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Short, stable identifier of a token for audit logs; never the token itself. */
export function tokenId(token: string): string {
  return `tok_${createHash('sha256').update(token).digest('hex').slice(0, 12)}`;
}

export function bearerToken(request: FastifyRequest): string | null {
  const h = request.headers.authorization;
  if (typeof h !== 'string') return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? (m[1] as string) : null;
}

/** preHandler for admin routes. Sets `request.actor` for the audit log. */
export function requireAdmin(adminToken: string) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const token = bearerToken(request);
    if (!token) throw new ApiError(401, 'unauthorized', 'Admin bearer token required', undefined, { 'WWW-Authenticate': 'Bearer' });
    if (!tokensEqual(token, adminToken)) throw new ApiError(403, 'forbidden', 'Admin token not accepted');
    (request as FastifyRequest & { actor?: string }).actor = tokenId(token);
  };
}
