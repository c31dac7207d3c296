// Wires the replay lane (common/replay-lane.ts) into the served app: its deps, the observers that
// belong to the app itself (the request-duration histogram and the request log lines, as Fastify
// writes them), and, once every route is in, Node's request event.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import proxyAddr from '@fastify/proxy-addr';
import type { FastifyInstance } from 'fastify';
import { ReplayLane } from '../common/replay-lane.js';
import { wantsGzip } from '../common/response-body.js';
import type { AppContext } from './context.js';
import { trustedProxies } from '../resilience/index.js';
import { requestIdOf } from './request-id.js';

// Levels at which Fastify writes its per-request lines (info and below).
const LOGS_REQUESTS = new Set(['info', 'debug', 'trace']);
const lastEntry = (value: string) => value.slice(value.lastIndexOf(',') + 1).trim();

/** The client address and scheme exactly as Fastify's request.ip and request.protocol give them. */
export function clientResolver(trustProxy: string | null): (raw: IncomingMessage) => { ip: string; https: boolean } {
  const list = trustedProxies(trustProxy);
  const trust = list ? proxyAddr.compile(list) : null;
  return (raw) => {
    const socket = raw.socket as TLSSocket;
    const encrypted = socket.encrypted === true;
    if (trust === null) return { ip: socket.remoteAddress ?? '', https: encrypted };
    const all = proxyAddr.all(raw, trust);
    const proto = raw.headers['x-forwarded-proto'];
    const https = typeof proto === 'string' && trust(socket.remoteAddress ?? '', 0) ? lastEntry(proto) === 'https' : encrypted;
    return { ip: all[all.length - 1] ?? '', https };
  };
}

export function createReplayLane(app: FastifyInstance, ctx: Pick<AppContext, 'flags' | 'config' | 'cache' | 'metrics'>): ReplayLane {
  const lane = new ReplayLane({
    generation: () => ctx.flags.snapshot(),
    requestId: requestIdOf,
    client: clientResolver(ctx.config.trustProxy),
    wantsGzip,
    identityOf: (served) => ctx.cache.identityOf(served),
    now: () => performance.now(),
  });
  lane.observe((_req, route, status, elapsedMs) => {
    ctx.metrics.httpDuration.observe({ method: 'GET', route, status_code: String(status) }, elapsedMs / 1000);
  });
  lane.observe((req, _route, status, elapsedMs) => {
    const log = app.log;
    if (!LOGS_REQUESTS.has(log.level)) return;
    // Fastify's two lines per request, through the same logger and serializers.
    const child = log.child({ reqId: req.id });
    const { raw } = req;
    child.info(
      { req: { method: raw.method, url: raw.url, headers: raw.headers, host: raw.headers.host, ip: req.ip, socket: raw.socket } },
      'incoming request',
    );
    child.info({ res: { statusCode: status }, responseTime: elapsedMs }, 'request completed');
  });
  app.addHook('preClose', (done) => {
    lane.close();
    done();
  });
  return lane;
}

/** Puts the lane in front of Fastify's request handler; call once every route is registered. */
export function openReplayLane(app: FastifyInstance, lane: ReplayLane): void {
  const server = app.server;
  const [handler] = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  if (handler === undefined) return;
  server.removeListener('request', handler);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    let served = false;
    try {
      served = lane.serve(req, res);
    } catch (err) {
      // A failure before anything was sent leaves the request to the normal path.
      app.log.error({ err }, 'replay lane failed');
      served = res.headersSent;
    }
    if (!served) handler(req, res);
  });
}
