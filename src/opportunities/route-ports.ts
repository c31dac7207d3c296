// The two services the opportunity routes call that live in other capabilities, declared here as
// the routes use them. The cache capability and the dealers capability implement them and import
// this folder, never the reverse, so the folder graph keeps pointing inward.
import type { FastifyRequest } from 'fastify';
import type { BuiltBody, ServedBody } from '../common/response-body.js';
import type { Replayer } from '../common/replay-lane.js';
import type { Opportunity } from './api-schema.js';
import type { CursorPosition } from './cursor.js';
import type { ListFilters, Sort } from './list-query.js';

/** The shared response cache (cache/): whole bodies keyed by data version, and the replay lane's lookups. */
export interface ResponseCache {
  /** Serves a whole response body from the response tier, or builds and keeps it. */
  respond(kind: (version: number) => string, build: () => Promise<BuiltBody>): Promise<ServedBody>;
  /** The identity bytes of a served body, kept beside its gzip bytes from the first request that needs them. */
  identityOf(served: ServedBody): Buffer;
  /** The replay lane's view of `kind`'s kept response: looked up uncounted, a replay counted as a hit. */
  replayer(kind: (version: number) => string): Replayer;
}

export interface PersonalListRequest {
  sort: Sort;
  filters: ListFilters;
  limit: number;
}

export interface PersonalPage {
  items: Opportunity[];
  total: number;
  hasMore: boolean;
  last: CursorPosition | null;
  /** The kept list the page was cut from: the same object for as long as that list is unchanged. */
  source: object;
}

export interface Viewer {
  id: number;
}

/**
 * A dealer's own figures (dealers/): who is asking, and the lists and details computed with that
 * dealer's costs. Only the viewer's id matters here (it binds a personal cursor to its dealer);
 * null means nobody signed in.
 */
export interface PersonalFigures {
  identify(request: FastifyRequest): Promise<Viewer | null>;
  reads: {
    offsetPage(viewer: Viewer | null, req: PersonalListRequest, page: number): Promise<{ items: Opportunity[]; total: number }>;
    keysetPage(viewer: Viewer | null, req: PersonalListRequest, from: CursorPosition | null): Promise<PersonalPage>;
    detail(viewer: Viewer | null, id: number): Promise<{ opportunity: Opportunity } | null>;
  };
}
