// The bodies a cached route builds and sends, shared by the cache (which stores them) and the
// routes (which build them), so neither has to import the other for their shape.

/** A whole response body as the route built it: JSON bytes and their ETag. */
export interface BuiltBody {
  body: Buffer;
  etag: string;
}

/** What the route sends: the gzip bytes whenever cached, the identity bytes when at hand. */
export interface ServedBody {
  identity: Buffer | null;
  gzip: Buffer | null;
  etag: string;
  /** The response tier's key when this body is kept there (identity bytes join it on first use). */
  key?: string;
}
