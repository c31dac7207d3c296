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
    const expected = Object.entries(helmetHeaders(HELMET_OPTIONS)).filter(([, v]) => v !== null);
    for (const [url, status] of [['/ok', 200], ['/boom', 500], ['/nowhere', 404]] as const) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(status);
      for (const [name, value] of expected) expect(res.headers[name], `${name} on ${url}`).toBe(value);
    }
    await app.close();
  });
});
