// Baseline (a) of the benchmark: bare Fastify answering the same paths with the same bytes the
// real service sent (compressed where it compressed them), with no routing logic, cache or
// database. The ceiling to compare with.
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const file = process.env.BARE_BODIES;
if (!file) throw new Error('BARE_BODIES is not set');
const recorded = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { base64: string; contentEncoding: string | null }>;
const bodies = new Map(Object.entries(recorded).map(([path, r]) => [path, { bytes: Buffer.from(r.base64, 'base64'), encoding: r.contentEncoding }]));
const app = Fastify({ logger: false });
app.get('/*', async (request, reply) => {
  const body = bodies.get(request.url);
  if (body === undefined) return reply.code(404).send({ error: { code: 'not_found', message: 'not recorded' } });
  reply.header('content-type', 'application/json; charset=utf-8');
  if (body.encoding) reply.header('content-encoding', body.encoding);
  return reply.send(body.bytes);
});
await app.listen({ port: 0, host: '127.0.0.1' });
const addr = app.server.address();
process.send?.({ type: 'ready', url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` });
// The handler's promise is consumed here: Node ignores a listener's return value.
process.on('message', (m) => void (async () => {
  if ((m as { type?: string }).type === 'stop') {
    await app.close();
    process.send?.({ id: (m as { id: number }).id, ok: true });
    process.exit(0);
  }
})());
