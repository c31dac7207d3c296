// 405 Method Not Allowed with `Allow` (RFC 9110 §15.5.6) for a path that exists under other
// methods; 404 only for a path no route serves. Every route is mirrored into a second router as it
// is registered, so the lookup matches concrete paths exactly as Fastify's own router does.
import type { FastifyInstance, FastifyRequest, HTTPMethods } from 'fastify';
import FindMyWay from 'find-my-way';

export interface MethodIndex {
  /** Methods routed at this concrete path (sorted), empty when no route serves it. */
  allowed(path: string): string[];
}

export function indexRouteMethods(app: FastifyInstance, maxParamLength: number): MethodIndex {
  const router = FindMyWay({ maxParamLength, defaultRoute: () => {} });
  const methods = new Set<string>();
  const seen = new Set<string>();
  const noop = () => {};
  app.addHook('onRoute', (route) => {
    for (const method of ([] as HTTPMethods[]).concat(route.method)) {
      const key = `${method} ${route.url}`;
      if (seen.has(key)) continue;
      seen.add(key);
      methods.add(method.toUpperCase());
      router.on(method.toUpperCase() as never, route.url, noop);
    }
  });
  return {
    allowed(path) {
      const out: string[] = [];
      for (const m of methods) if (router.find(m as never, path)) out.push(m);
      return out.sort();
    },
  };
}

/** The path of a request as the router sees it (no query string). */
export const pathOf = (request: FastifyRequest): string => request.url.split('?')[0] ?? '/';
