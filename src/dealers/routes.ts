// Dealer profiles over HTTP: operators create and list dealers (admin bearer); a dealer reads and
// changes its own profile (`X-API-Key` or the dealer session).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../common/clock.js';
import type { ServiceConfig } from '../config/index.js';
import type { Db } from '../storage/index.js';
import { checkDealerSession, requireAdmin } from '../security/index.js';
import { ApiError, checkQueryParams } from '../common/errors.js';
import { ProfileError, type Dealer } from './profile.js';
import type { Workspace } from './workspace.js';
import type { DealerAlerts } from './alerts.js';
import { parseSearch, SearchStore } from './searches.js';

const skipValidation = () => () => true;

export function invalid(err: unknown): never {
  if (err instanceof ProfileError) throw new ApiError(400, 'invalid_request', err.message, err.errors);
  throw err;
}

/**
 * The dealer behind a request, or 401. A change riding on the sign-in cookie rather than a key
 * needs this server's Origin and the session's CSRF token (X-CSRF-Token), as the pages' forms do.
 */
export async function requireDealer(workspace: Workspace, request: FastifyRequest): Promise<Dealer> {
  const dealer = await workspace.identify(request);
  if (!dealer) throw new ApiError(401, 'unauthorized', 'A dealer API key (X-API-Key) or dealer sign-in is required');
  checkDealerSession(request, request.dealerSession);
  return dealer;
}

/** What the dealer routes and the alert pass read: storage, time, the admin token and the raw environment. */
export interface DealerRouteDeps {
  db: Db;
  clock: Clock;
  config: Pick<ServiceConfig, 'adminToken' | 'raw'>;
}

export async function dealerRoutes(
  app: FastifyInstance,
  { ctx, workspace }: { ctx: DealerRouteDeps; workspace: Workspace },
): Promise<void> {
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
    const profile = await workspace.store.update(dealer.id, request.body, ctx.clock.now()).catch(invalid);
    if (!profile) throw new ApiError(401, 'unauthorized', 'This dealer has been revoked');
    request.dealer = undefined;
    reply.header('Cache-Control', 'private, no-store');
    return profile;
  });
}

const positiveId = (raw: string, field: string): number => {
  if (!/^[1-9][0-9]{0,14}$/.test(raw))
    throw new ApiError(400, 'invalid_request', `Invalid path parameter: ${field}`, [{ field, message: 'must be a positive integer' }]);
  return Number(raw);
};

/** A positive whole-number query parameter, at most `max` when given. */
function queryInt(v: unknown, field: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > max)
    throw new ApiError(400, 'invalid_request', `Invalid query parameter: ${field}`, [
      { field, message: max === Number.MAX_SAFE_INTEGER ? 'must be a positive whole number' : `must be a whole number 1–${max}` },
    ]);
  return n;
}

/** Saved searches, the watchlist and the alert history of the calling dealer. */
export async function alertRoutes(
  app: FastifyInstance,
  {
    ctx,
    workspace,
    alerts,
    allowPrivate,
    emailConfigured,
  }: { ctx: DealerRouteDeps; workspace: Workspace; alerts: DealerAlerts; allowPrivate: boolean; emailConfigured: boolean },
): Promise<void> {
  const searches = new SearchStore(ctx.db);

  app.post('/api/me/searches', { validatorCompiler: skipValidation }, async (request, reply) => {
    const dealer = await requireDealer(workspace, request);
    const parsed = await parseSearch(request.body, { allowPrivate, dealerEmail: dealer.email, emailConfigured }).catch(invalid);
    reply.code(201).header('Cache-Control', 'no-store');
    return searches.create(dealer.id, parsed, ctx.clock.now());
  });

  app.get('/api/me/searches', async (request, reply) => {
    const dealer = await requireDealer(workspace, request);
    reply.header('Cache-Control', 'private, no-store');
    return { items: await searches.list(dealer.id) };
  });

  app.delete('/api/me/searches/:id', { validatorCompiler: skipValidation }, async (request, reply) => {
    const dealer = await requireDealer(workspace, request);
    const id = positiveId((request.params as { id: string }).id, 'id');
    if (!(await searches.remove(dealer.id, id))) throw new ApiError(404, 'not_found', `Saved search ${id} not found`);
    return reply.code(204).send();
  });

  app.get('/api/me/alerts', { validatorCompiler: skipValidation }, async (request, reply) => {
    const dealer = await requireDealer(workspace, request);
    const query = request.query as Record<string, unknown>;
    checkQueryParams(query, ['limit', 'before']);
    const limit = query.limit === undefined ? 100 : queryInt(query.limit, 'limit', 500);
    const before = query.before === undefined ? undefined : queryInt(query.before, 'before');
    reply.header('Cache-Control', 'private, no-store');
    // One more than asked tells whether an older page follows.
    const items = await alerts.history(dealer.id, limit + 1, before);
    const page = items.slice(0, limit);
    return { items: page, nextBefore: items.length > limit ? page[page.length - 1]!.id : null };
  });

  app.get('/api/me/watchlist', async (request, reply) => {
    const dealer = await requireDealer(workspace, request);
    const ids = await searches.watched(dealer.id);
    const items = await workspace.reads.some(dealer, ids);
    const order = new Map(ids.map((id, i) => [id, i]));
    reply.header('Cache-Control', 'private, no-store');
    return {
      items: items.sort((a, b) => (order.get(a.opportunity.id) ?? 0) - (order.get(b.opportunity.id) ?? 0)).map((p) => p.opportunity),
    };
  });

  app.put('/api/me/watchlist/:opportunityId', { validatorCompiler: skipValidation }, async (request, reply) => {
    const dealer = await requireDealer(workspace, request);
    const id = positiveId((request.params as { opportunityId: string }).opportunityId, 'opportunityId');
    const found = await workspace.reads.detail(dealer, id);
    if (!found) throw new ApiError(404, 'not_found', `Opportunity ${id} not found`);
    // Its detail stays readable, but an ended auction has no bid, ceiling or end left to alert on.
    if (found.opportunity.status === 'ended' || Date.parse(found.opportunity.auctionEndsAt) <= ctx.clock.now())
      throw new ApiError(
        409,
        'auction_ended',
        `Opportunity ${id}'s auction ended at ${found.opportunity.auctionEndsAt}: there is nothing left to watch`,
      );
    await searches.watch(dealer.id, id, Number(found.row.current_bid_cents), ctx.clock.now());
    reply.header('Cache-Control', 'no-store');
    return found.opportunity;
  });

  app.delete('/api/me/watchlist/:opportunityId', { validatorCompiler: skipValidation }, async (request, reply) => {
    const dealer = await requireDealer(workspace, request);
    const id = positiveId((request.params as { opportunityId: string }).opportunityId, 'opportunityId');
    if (!(await searches.unwatch(dealer.id, id))) throw new ApiError(404, 'not_found', `Opportunity ${id} is not on the watchlist`);
    return reply.code(204).send();
  });
}
