// Dealer profiles over HTTP: operators create and list dealers (admin bearer); a dealer reads and
// changes its own profile (`X-API-Key` or the dealer session).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../http/context.js';
import { requireAdmin } from '../security/admin-auth.js';
import { ApiError } from '../shared/errors.js';
import { ProfileError, type Dealer } from './profile.js';
import type { Workspace } from './workspace.js';

const skipValidation = () => () => true;

export function invalid(err: unknown): never {
  if (err instanceof ProfileError) throw new ApiError(400, 'invalid_request', err.message, err.errors);
  throw err;
}

/** The dealer behind a request, or 401. */
export async function requireDealer(workspace: Workspace, request: FastifyRequest): Promise<Dealer> {
  const dealer = await workspace.identify(request);
  if (!dealer) throw new ApiError(401, 'unauthorized', 'A dealer API key (X-API-Key) or dealer sign-in is required');
  return dealer;
}

export async function dealerRoutes(app: FastifyInstance, { ctx, workspace }: { ctx: AppContext; workspace: Workspace }): Promise<void> {
  const admin = requireAdmin(ctx.config.adminToken);

  app.post('/admin/dealers', { preHandler: admin, validatorCompiler: skipValidation }, async (request, reply) => {
    const created = await workspace.store.create(request.body, ctx.clock.now()).catch(invalid);
    reply.code(201).header('Cache-Control', 'no-store');
    return { id: created.id, apiKey: created.apiKey };
  });

  app.get('/admin/dealers', { preHandler: admin }, async () => ({ items: await workspace.store.list() }));

  app.get('/api/me', async (request, reply) => {
    const dealer = await requireDealer(workspace, request);
    reply.header('Cache-Control', 'private, no-store');
    return workspace.store.profile(dealer.id);
  });

  app.patch('/api/me', { validatorCompiler: skipValidation }, async (request, reply) => {
    const dealer = await requireDealer(workspace, request);
    const profile = await workspace.store.update(dealer.id, request.body ?? {}, ctx.clock.now()).catch(invalid);
    if (!profile) throw new ApiError(401, 'unauthorized', 'This dealer has been revoked');
    request.dealer = undefined;
    reply.header('Cache-Control', 'private, no-store');
    return profile;
  });
}
