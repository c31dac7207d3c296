// Where ingestion keeps what it read, so an opportunity's provenance can later be checked against
// the bytes it came from. The evidence capability's store implements this; it also reads ingest's
// parsers to do that check, so the port is declared here, on the side that is depended on.

/** What a kept snapshot is: a fetched page, an API answer, or an imported feed file. */
export type SnapshotKind = 'page' | 'api' | 'feed';

export interface KeepInput {
  bytes: Buffer | string;
  /** Where the bytes came from (a page URL, `urn:dealerscope:feed:NAME`). */
  url?: string | null;
  contentType?: string | null;
  kind?: SnapshotKind;
  /** The hash the caller recorded; when it differs from the bytes' own, only the URL link is noted. */
  hash?: string;
}

/** A file kept streamed: its hash is known already (taken while the file was read). */
export interface KeepFileInput {
  path: string;
  /** `sha256:<hex>` or hex of the file's bytes. */
  hash: string;
  url?: string | null;
  contentType?: string | null;
  kind?: SnapshotKind;
}

/** A place to keep what ingestion read; never throws on a failed keep (it returns null). */
export interface SnapshotSink {
  keep(input: KeepInput): Promise<string | null>;
  /** Keeps a file without reading it into memory (a feed of any size). */
  keepFile?(input: KeepFileInput): Promise<string | null>;
}
