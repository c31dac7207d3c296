import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { API_HELMET_OPTIONS, HELMET_OPTIONS, headerSet, helmetHeaders, installSecurityHeaders } from './security-headers.js';

/** An app with the security headers and two routes under `prefix`: `/ok` and `/boom` (a 500). */
function appWithHeaders(prefix: string) {
  const app = Fastify({ logger: false });
  installSecurityHeaders(app);
  app.get(`${prefix}/ok`, async () => ({ ok: true }));
  app.get(`${prefix}/boom`, async () => {
    throw new Error('boom');
  });
  return app;
}

describe('security headers', () => {
  it('are the headers helmet itself produces for our options', () => {
    const h = helmetHeaders(HELMET_OPTIONS);
    expect(h['content-security-policy']).toContain("default-src 'self'");
    expect(h['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(h['content-security-policy']).not.toContain('unsafe-inline');
    expect(h['referrer-policy']).toBe('same-origin');
    expect(h['x-content-type-options']).toBe('nosniff');
    expect(h['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(h['x-frame-options']).toBe('DENY');
    expect(h['cross-origin-embedder-policy']).toBeUndefined();
    expect(h['x-powered-by']).toBeNull();
  });

  it('give the JSON API the lean set: a CSP that allows nothing, no framing, nosniff, no document-only headers', () => {
    const h = helmetHeaders(API_HELMET_OPTIONS);
    expect(h['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    expect(h['x-frame-options']).toBe('DENY');
    expect(h['x-content-type-options']).toBe('nosniff');
    expect(h['cross-origin-resource-policy']).toBe('same-origin');
    expect(h['referrer-policy']).toBe('same-origin');
    expect(h['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(h['x-powered-by']).toBeNull();
    for (const documentOnly of [
      'cross-origin-opener-policy',
      'origin-agent-cluster',
      'x-dns-prefetch-control',
      'x-download-options',
      'x-permitted-cross-domain-policies',
      'x-xss-protection',
    ])
      expect(h[documentOnly], documentOnly).toBeUndefined();
  });

  it('send the API set under /api/ and the page set elsewhere, failures and unrouted paths included', async () => {
    const app = appWithHeaders('/api');
    app.get('/page', async () => 'page');
    const api = headerSet(API_HELMET_OPTIONS).set;
    const pages = headerSet(HELMET_OPTIONS).set;
    for (const [url, status, expected, other] of [
      ['/api/ok', 200, api, pages],
      ['/api/boom', 500, api, pages],
      ['/api/nowhere', 404, api, pages],
      ['/page', 200, pages, api],
      ['/apix', 404, pages, api],
    ] as const) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(status);
      for (const [name, value] of expected) expect(res.headers[name], `${name} on ${url}`).toBe(value);
      const names = new Set(expected.map(([n]) => n));
      for (const [name] of other) if (!names.has(name)) expect(res.headers[name], `${name} on ${url}`).toBeUndefined();
    }
    await app.close();
  });

  it('reach successful, failed and unrouted responses alike', async () => {
    const app = appWithHeaders('');
    // HSTS only over HTTPS; these requests are plain http.
    const expected = headerSet(HELMET_OPTIONS).set;
    for (const [url, status] of [
      ['/ok', 200],
      ['/boom', 500],
      ['/nowhere', 404],
    ] as const) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(status);
      for (const [name, value] of expected) expect(res.headers[name], `${name} on ${url}`).toBe(value);
      expect(res.headers['strict-transport-security'], url).toBeUndefined();
    }
    await app.close();
  });
});
