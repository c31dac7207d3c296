// Baseline (a) of the benchmark: bare Fastify answering the same paths with the same bytes the
// real service sent — its gzip bytes to clients that accept gzip, its identity bytes to the rest —
// with no routing logic, cache or database. The ceiling to compare with. With BARE_SAME_HEADERS=1
// it also sends the header block the service sent with each body (security headers, request id,
// rate-limit counts, ETag, Vary), as fixed values: what the contract's headers alone cost the
// framework, apart from the work of computing them.
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { bareHeaders, type RecordedBody } from './recorded-body.js';
import type { ChildStats } from './server-child.js';

interface Recorded {
  gzip: RecordedBody;
  identity: RecordedBody;
}

const file = process.env.BARE_BODIES;
if (!file) throw new Error('BARE_BODIES is not set');
const recorded = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Recorded>;
const sameHeaders = process.env.BARE_SAME_HEADERS === '1';
const decode = (r: RecordedBody) => ({
  bytes: Buffer.from(r.base64, 'base64'),
  encoding: r.contentEncoding,
  headers: bareHeaders(r, sameHeaders),
});
const bodies = new Map(Object.entries(recorded).map(([path, r]) => [path, { gzip: decode(r.gzip), identity: decode(r.identity) }]));
const app = Fastify({ logger: false });
app.get('/*', async (request, reply) => {
  const both = bodies.get(request.url);
  if (both === undefined) return reply.code(404).send({ error: { code: 'not_found', message: 'not recorded' } });
  const accept = request.headers['accept-encoding'];
  const body = typeof accept === 'string' && accept.includes('gzip') ? both.gzip : both.identity;
  for (const [name, value] of body.headers) reply.header(name, value);
  if (body.encoding) reply.header('content-encoding', body.encoding);
  return reply.send(body.bytes);
});
await app.listen({ port: 0, host: '127.0.0.1' });
const addr = app.server.address();
process.send?.({ type: 'ready', url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` });
// The handler's promise is consumed here: Node ignores a listener's return value.
process.on(
  'message',
  (m) =>
    void (async () => {
      const msg = m as { type?: string; id: number };
      if (msg.type === 'stats') {
        const cpu = process.cpuUsage();
        const stats: ChildStats = {
          rss: process.memoryUsage().rss,
          cpuUs: cpu.user + cpu.system,
          heapUsed: process.memoryUsage().heapUsed,
          queries: 0,
          loads: 0,
          loadReasons: {},
          versionPolls: 0,
          replayed: 0,
          cache: { hits: 0, misses: 0, evictions: 0, bytes: 0, entries: 0, hitRatio: 0, degraded: false },
        };
        process.send?.({ id: msg.id, stats });
      } else if (msg.type === 'stop') {
        await app.close();
        process.send?.({ id: msg.id, ok: true });
        process.exit(0);
      }
    })(),
);
