// The replay lane: an anonymous GET whose exact URL was last answered from a kept response is
// answered again straight from Node's request event, before Fastify builds its request and reply
// objects and runs its hook chain. On a cache hit that chain was most of the work: bare Fastify
// sent the same bytes at 2–4 times the rate.
//
// Nothing is skipped, only done more directly: every per-request control of the normal path takes
// part through the steps registered here (request limits and the canary as guards, the rate limit
// as a gate, the security headers as static headers, metrics, SLO windows and request logs as
// observers). A request any step is unsure of goes the normal way, unchanged: the lane only ever
// answers what the normal path would have answered the same way.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipEtag, type ServedBody } from './response-body.js';

/** One request as the lane's steps see it. */
export interface LaneRequest {
  raw: IncomingMessage;
  id: string;
  ip: string;
  https: boolean;
}

/** What a route leaves for the lane when it answered a URL from its kept responses. */
export interface Replayable {
  /** The route template (for metrics and the SLO windows), e.g. `/api/opportunities`. */
  route: string;
  vary: string;
  /** The kept response for this URL now, without side effects; undefined when not kept. */
  lookup(): ServedBody | undefined;
  /** Counts the replay as the cache hit it is. */
  hit(served: ServedBody): void;
}

/** The cache's part of a Replayable: it alone knows where the URL's response is kept. */
export type Replayer = Pick<Replayable, 'lookup' | 'hit'>;

export interface ReplayLaneDeps {
  /** Changes identity whenever any flag changes (the flag snapshot): every remembered URL is then forgotten. */
  generation(): unknown;
  /** The request id the normal path would give. */
  requestId(raw: IncomingMessage): string;
  /** The client address and scheme the normal path would believe. */
  client(raw: IncomingMessage): { ip: string; https: boolean };
  /** Gzip or identity for this Accept-Encoding. */
  wantsGzip(accept: string): boolean;
  /** The identity bytes of a kept response (inflated once and kept beside the gzip bytes). */
  identityOf(served: ServedBody): Buffer;
  now(): number;
}

type Guard = (raw: IncomingMessage) => boolean;
/** Header pairs to add when the request may go on, or null to hand it to the normal path. */
type Gate = (req: LaneRequest) => string[] | null;
/** Told that a request its gate let through went to the normal path after all. */
type Declined = (req: LaneRequest) => void;
type Observer = (req: LaneRequest, route: string, status: number, elapsedMs: number) => void;

const JSON_TYPE = 'application/json; charset=utf-8';
const URLS_KEPT = 4096;
/** Headers that make a request personal, conditional or bodied: the normal path decides those. */
const NOT_REPLAYED = ['x-api-key', 'cookie', 'authorization', 'if-none-match', 'if-modified-since', 'content-length', 'transfer-encoding'];

export class ReplayLane {
  private readonly urls = new Map<string, Replayable>();
  private readonly guards: Guard[] = [];
  private readonly gates: Array<{ pass: Gate; declined: Declined | undefined }> = [];
  private readonly observers: Observer[] = [];
  private statics: string[] = [];
  private httpsOnly: string[] = [];
  private seen: unknown;
  private closed = false;
  /** Per kept response, its fixed headers for each coding. Goes with the response. */
  private readonly fixed = new WeakMap<ServedBody, { gzip?: string[]; identity?: string[] }>();
  replayed = 0;

  constructor(private readonly deps: ReplayLaneDeps) {
    this.seen = deps.generation();
  }

  guard(fn: Guard): void {
    this.guards.push(fn);
  }

  /**
   * A gate decides before anything is sent. One that keeps what it decided for the observers can
   * pass `declined`, called when a later step hands the request to the normal path instead.
   */
  gate(fn: Gate, declined?: Declined): void {
    this.gates.push({ pass: fn, declined });
  }

  observe(fn: Observer): void {
    this.observers.push(fn);
  }

  /** Headers every response carries; `httpsOnly` ones only over HTTPS (HSTS). */
  headers(all: Array<[string, string]>, httpsOnly: Array<[string, string]> = []): void {
    this.statics = [...this.statics, ...all.flat()];
    this.httpsOnly = [...this.httpsOnly, ...httpsOnly.flat()];
  }

  /** After shutdown has begun the normal path answers (it refuses new work with 503). */
  close(): void {
    this.closed = true;
    this.urls.clear();
  }

  remember(url: string, replay: Replayable): void {
    if (this.closed) return;
    this.sync();
    if (this.urls.size >= URLS_KEPT && !this.urls.has(url)) this.urls.clear();
    this.urls.set(url, replay);
  }

  private sync(): void {
    const generation = this.deps.generation();
    if (generation !== this.seen) {
      this.seen = generation;
      this.urls.clear();
    }
  }

  /** Answers `raw` from a kept response and returns true, or returns false having changed nothing. */
  serve(raw: IncomingMessage, res: ServerResponse): boolean {
    if (raw.method !== 'GET' || this.urls.size === 0) return false;
    const started = this.deps.now();
    this.sync();
    const replay = this.urls.get(raw.url as string);
    if (replay === undefined) return false;
    const h = raw.headers;
    for (const name of NOT_REPLAYED) if (h[name] !== undefined) return false;
    for (const guard of this.guards) if (!guard(raw)) return false;
    const served = replay.lookup();
    if (served === undefined) return false;
    const accept = h['accept-encoding'];
    const gzip = served.gzip !== null && typeof accept === 'string' && this.deps.wantsGzip(accept);
    if (!gzip && served.gzip === null && served.identity === null) return false;
    const { ip, https } = this.deps.client(raw);
    const req: LaneRequest = { raw, id: this.deps.requestId(raw), ip, https };
    const head = ['x-request-id', req.id];
    let passed = 0;
    for (const gate of this.gates) {
      const added = gate.pass(req);
      if (added === null) return this.declined(req, passed);
      for (const value of added) head.push(value);
      passed++;
    }
    try {
      if (https) for (const value of this.httpsOnly) head.push(value);
      const body = gzip ? (served.gzip as Buffer) : this.deps.identityOf(served);
      for (const value of this.fixedHeaders(served, gzip, replay.vary)) head.push(value);
      head.push('content-length', String(body.length));
      res.writeHead(200, head);
      res.end(body);
    } catch (err) {
      // The caller hands an unsent request to the normal path: the gates must know.
      if (!res.headersSent) this.declined(req, this.gates.length);
      throw err;
    }
    replay.hit(served);
    this.replayed++;
    const elapsed = this.deps.now() - started;
    for (const observer of this.observers) observer(req, replay.route, 200, elapsed);
    return true;
  }

  /** Tells the first `passed` gates that the request goes the normal way; always false. */
  private declined(req: LaneRequest, passed: number): false {
    for (let i = 0; i < passed; i++) this.gates[i]?.declined?.(req);
    return false;
  }

  private fixedHeaders(served: ServedBody, gzip: boolean, vary: string): string[] {
    let both = this.fixed.get(served);
    if (both === undefined) this.fixed.set(served, (both = {}));
    const coding = gzip ? 'gzip' : 'identity';
    let fixed = both[coding];
    if (fixed === undefined) {
      fixed = [...this.statics, 'content-type', JSON_TYPE, 'vary', vary];
      fixed.push(...(gzip ? ['content-encoding', 'gzip', 'etag', gzipEtag(served.etag)] : ['etag', served.etag]));
      both[coding] = fixed;
    }
    return fixed;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Present on the served app (http/app.ts); capabilities register their part of each request with it. */
    replayLane?: ReplayLane;
  }
}
