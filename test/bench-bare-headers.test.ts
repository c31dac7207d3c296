// The benchmark's two bare-Fastify baselines: the one the targets compare with sends a recorded
// body with its content type only; the same-headers one sends the service's whole header block as
// recorded, less what every server writes for itself.
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordBody } from '../bench/measure.js';
import { bareHeaders, recordedHeaders } from '../bench/recorded-body.js';

describe('recorded service headers', () => {
  const app = Fastify({ logger: false });
  let url = '';
  beforeAll(async () => {
    app.get('/page', async (_req, reply) => {
      reply.header('X-Request-Id', 'req-1').header('ratelimit-remaining', '98').header('etag', '"abc"').header('vary', 'Accept-Encoding');
      return reply.type('application/json; charset=utf-8').send('{"data":[]}');
    });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => app.close());

  it('keeps the response headers in order, lower-cased, without the server-written ones', async () => {
    const body = await recordBody(`${url}/page`, false);
    expect(Buffer.from(body.base64, 'base64').toString()).toBe('{"data":[]}');
    expect(body.headers).toEqual([
      ['x-request-id', 'req-1'],
      ['ratelimit-remaining', '98'],
      ['etag', '"abc"'],
      ['vary', 'Accept-Encoding'],
      ['content-type', 'application/json; charset=utf-8'],
    ]);
    const names = body.headers.map(([n]) => n);
    for (const own of ['date', 'connection', 'keep-alive', 'content-length']) expect(names).not.toContain(own);
  });

  it('drops the coding, length and connection headers whatever their case', () => {
    expect(
      recordedHeaders([
        'Content-Encoding',
        'gzip',
        'Content-Length',
        '10',
        'Transfer-Encoding',
        'chunked',
        'X-Frame-Options',
        'DENY',
        'Date',
        'x',
      ]),
    ).toEqual([['x-frame-options', 'DENY']]);
  });

  it('gives the target baseline the content type alone and the same-headers baseline the recorded block', () => {
    const recorded = { base64: '', contentEncoding: 'gzip', headers: [['x-frame-options', 'DENY'] as [string, string]] };
    expect(bareHeaders(recorded, false)).toEqual([['content-type', 'application/json; charset=utf-8']]);
    expect(bareHeaders(recorded, true)).toEqual([['x-frame-options', 'DENY']]);
  });
});
