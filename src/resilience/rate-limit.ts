// Rate limits on /api/* (docs/api.md, "Rate limits"): ENABLE_RATE_LIMITING allows RATE_LIMIT_PER_MINUTE (default
// 100) requests per client IP; with API_RATE_LIMITING a request carrying a dealer key
// (`X-API-Key`) counts against that key's own quota instead. Both flags are read per request.
// The client IP is Fastify's `request.ip`: the socket address unless TRUST_PROXY names the
// proxies whose X-Forwarded-For may be believed (see trustedProxies()).
import type { IncomingMessage } from 'node:http';
import { envInt } from '../common/env.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import client from 'prom-client';
import { SIGNALS } from '../observability/index.js';
import {
  findActiveKey,
  LimiterUnavailableError,
  QuotaLimiter,
  QuotaLimiters,
  rememberedActiveKey,
  type ApiKeyInfo,
  type QuotaDecision,
  type SecurityDeps,
} from '../security/index.js';
import { ApiError } from '../common/errors.js';
import { RefusalAudit } from './refusal-audit.js';

export const DEFAULT_RATE_LIMIT_PER_MINUTE = 100;

/**
 * The highest limit accepted: a load test that keeps the limit on (as the benchmark does) needs
 * one out of its reach, and one client on loopback sends a million requests in well under a minute.
 */
export const MAX_RATE_LIMIT_PER_MINUTE = 100_000_000;

export function rateLimitPerMinute(env: NodeJS.ProcessEnv): number {
  return envInt(env, 'RATE_LIMIT_PER_MINUTE', DEFAULT_RATE_LIMIT_PER_MINUTE, 1, MAX_RATE_LIMIT_PER_MINUTE);
}

/**
 * Fastify's `trustProxy` from TRUST_PROXY: a comma-separated list of proxy addresses, CIDR ranges
 * or the names loopback / linklocal / uniquelocal. Unset means false: X-Forwarded-For is ignored.
 * "Trust everything" (true, *, a hop count) is refused, since it would let any client pick its IP.
 */
export function trustedProxies(setting: string | null): string[] | false {
  if (!setting) return false;
  const list = setting
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of list) {
    if (item === '*' || /^(true|\d+)$/i.test(item))
      throw new Error(`TRUST_PROXY must name proxies (addresses, CIDRs, loopback…), not "${item}"`);
  }
  return list.length ? list : false;
}

type Scope = 'ip' | 'key';

export interface RateLimitOptions {
  keyPrefix?: string;
}

function headerPairs(d: QuotaDecision): string[] {
  return [
    'ratelimit-limit',
    String(d.limit),
    'ratelimit-remaining',
    String(Math.max(0, d.remaining)),
    'ratelimit-reset',
    String(Math.max(1, Math.ceil(d.resetMs / 1000))),
  ];
}

// A connection's address is one string for its life; its subject is built once, not per request.
let lastIp = '';
let lastSubject = 'ip:';
function ipSubject(ip: string): string {
  if (ip !== lastIp) {
    lastIp = ip;
    lastSubject = `ip:${ip}`;
  }
  return lastSubject;
}

function setHeaders(reply: FastifyReply, d: QuotaDecision): void {
  const pairs = headerPairs(d);
  for (let i = 0; i < pairs.length; i += 2) reply.header(pairs[i] as string, pairs[i + 1]);
}

/**
 * What the rate limits read: the flags, settings and Redis, the clock, the store (dealer keys),
 * metrics and signals — the same set security hands its installers, since it installs these.
 */
export type RateLimitDeps = SecurityDeps;

export async function rateLimitHook(app: FastifyInstance, ctx: RateLimitDeps, opts: RateLimitOptions = {}): Promise<void> {
  const perMinute = rateLimitPerMinute(ctx.config.raw);
  const keyPrefix = opts.keyPrefix ?? ctx.config.raw.RATE_LIMIT_KEY_PREFIX?.trim() ?? 'dealerscope:rl:';
  const ipLimiter = new QuotaLimiter({ redis: ctx.redis, keyPrefix: `${keyPrefix}ip:`, points: perMinute, durationSec: 60 });
  const keyLimiters = new QuotaLimiters({ redis: ctx.redis, keyPrefix: `${keyPrefix}key:`, durationSec: 60 });
  const audit = new RefusalAudit(ctx.clock);
  const limited = new client.Counter({
    name: 'dealerscope_rate_limited_total',
    help: 'Requests refused with 429 by a rate limit',
    labelNames: ['scope'] as const,
    registers: [ctx.metrics.registry],
  });
  // Present at 0 from the start: a rate() over a series that appears with its first refusal
  // misses that refusal, and a dashboard shows "no data" instead of none refused.
  for (const scope of ['ip', 'key'] as const) limited.inc({ scope }, 0);
  ctx.signals.register(SIGNALS.rateLimitLegitimateRefusalRatio, () => audit.ratio());

  /** Headers and the metric for a decision; the error to answer with when it refuses. */
  const apply = (reply: FastifyReply, scope: Scope, subject: string, decision: QuotaDecision): ApiError | null => {
    audit.record(subject, decision.limit, decision.allowed);
    setHeaders(reply, decision);
    if (decision.allowed) return null;
    limited.inc({ scope });
    const retry = String(Math.max(1, Math.ceil(decision.resetMs / 1000)));
    return new ApiError(
      429,
      'rate_limited',
      `Rate limit of ${decision.limit} requests per minute exceeded; retry in ${retry} s`,
      undefined,
      { 'Retry-After': retry },
    );
  };
  const unavailable = (err: unknown): unknown =>
    err instanceof LimiterUnavailableError
      ? new ApiError(503, 'rate_limiter_unavailable', 'Rate limiter unavailable; retry shortly', undefined, { 'Retry-After': '1' })
      : err;
  const limit = async (reply: FastifyReply, scope: Scope, subject: string, limiter: QuotaLimiter): Promise<void> => {
    let decision: QuotaDecision;
    try {
      decision = await limiter.consume(subject);
    } catch (err) {
      throw unavailable(err);
    }
    const refused = apply(reply, scope, subject, decision);
    if (refused) throw refused;
  };
  const keyed = async (request: FastifyRequest, reply: FastifyReply, presented: string | string[]): Promise<void> => {
    const key: ApiKeyInfo | null = typeof presented === 'string' ? await findActiveKey(ctx.db, presented, ctx.clock.now()) : null;
    if (!key) {
      // A key that opens nothing is counted against the caller's address like an anonymous
      // request: a made-up header must not buy unlimited guesses (each one a key lookup).
      if (ctx.flags.get('ENABLE_RATE_LIMITING')) await countIp(request, reply);
      throw new ApiError(401, 'invalid_api_key', 'The X-API-Key is not a valid, active dealer key');
    }
    await limit(reply, 'key', `key:${key.keyId}`, keyLimiters.forQuota(key.quotaPerMinute));
  };

  // The replay lane asks the per-IP count first. Its decision is kept on the request: one the
  // lane does not serve (a refusal, or a later step declining) is applied by the hook below
  // rather than counted twice; one it serves is audited once the response is sent.
  const decided = new WeakMap<IncomingMessage, QuotaDecision>();
  // The lane runs a request from its gate to its observers without yielding, so the one request
  // it is serving holds its decision here; the map is for those it hands on.
  let servingRaw: IncomingMessage | null = null;
  let servingSubject = '';
  let servingDecision: QuotaDecision | null = null;
  app.replayLane?.gate(
    (req) => {
      if (!ctx.flags.get('ENABLE_RATE_LIMITING')) return [];
      const subject = ipSubject(req.ip);
      const decision = ipLimiter.consumeNow(subject);
      if (decision === null) return null;
      if (!decision.allowed) {
        decided.set(req.raw, decision);
        return null;
      }
      servingRaw = req.raw;
      servingSubject = subject;
      servingDecision = decision;
      return headerPairs(decision);
    },
    (req) => {
      if (servingRaw !== req.raw || servingDecision === null) return;
      decided.set(req.raw, servingDecision);
      servingRaw = null;
    },
  );
  app.replayLane?.observe((req) => {
    if (servingRaw !== req.raw || servingDecision === null) return;
    audit.record(servingSubject, servingDecision.limit, servingDecision.allowed);
    servingRaw = null;
  });

  /** The per-IP count of one request, taking a decision the replay lane already made for it. */
  const countIp = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const subject = ipSubject(request.ip);
    const now = decided.get(request.raw) ?? ipLimiter.consumeNow(subject);
    decided.delete(request.raw);
    if (now === null) return limit(reply, 'ip', subject, ipLimiter);
    const refused = apply(reply, 'ip', subject, now);
    if (refused) throw refused;
  };

  // Callback-style: the per-IP count without Redis is answered synchronously, so a request under
  // its limit costs no promise here; the dealer-key and Redis paths go through one.
  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    // The route template and the raw path both count, so no spelling of a path slips past.
    if (!(request.routeOptions.url ?? '').startsWith('/api/') && !request.url.startsWith('/api/')) return done();
    const presented = request.headers['x-api-key'];
    if (presented !== undefined && ctx.flags.get('API_RATE_LIMITING')) {
      // A key looked up moments ago, counted in this process: decided without a promise.
      const known = typeof presented === 'string' ? rememberedActiveKey(ctx.db, presented, ctx.clock.now()) : undefined;
      const decision = known ? keyLimiters.forQuota(known.quotaPerMinute).consumeNow(`key:${known.keyId}`) : null;
      if (known && decision) return done(apply(reply, 'key', `key:${known.keyId}`, decision) ?? undefined);
      keyed(request, reply, presented).then(() => done(), done);
      return;
    }
    if (!ctx.flags.get('ENABLE_RATE_LIMITING')) return done();
    const subject = ipSubject(request.ip);
    const now = decided.get(request.raw) ?? ipLimiter.consumeNow(subject);
    decided.delete(request.raw);
    if (now === null) {
      limit(reply, 'ip', subject, ipLimiter).then(() => done(), done);
      return;
    }
    const refused = apply(reply, 'ip', subject, now);
    done(refused ?? undefined);
  });
}
