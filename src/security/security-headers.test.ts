import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { HELMET_OPTIONS, helmetHeaders, installSecurityHeaders } from './security-headers.js';

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

  it('reach successful, failed and unrouted responses alike', async () => {
    const app = Fastify({ logger: false });
    installSecurityHeaders(app);
    app.get('/ok', async () => ({ ok: true }));
    app.get('/boom', async () => {
      throw new Error('boom');
    });
    // HSTS only over HTTPS; these requests are plain http.
    const expected = Object.entries(helmetHeaders(HELMET_OPTIONS)).filter(([k, v]) => v !== null && k !== 'strict-transport-security');
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
