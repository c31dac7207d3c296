// What the benchmark records of a service response for bare Fastify to send back, and which of
// its headers bare Fastify sends: only the content type (the baseline the targets compare with),
// or the service's whole header block as recorded (the same-headers baseline, no target).

export interface RecordedBody {
  /** Base64 of the bytes exactly as sent (compressed when the service compressed them). */
  base64: string;
  contentEncoding: string | null;
  /**
   * The response's other headers as the service sent them (request id, rate-limit counts, security
   * headers, ETag, Vary). Node's own (Date, Connection, Keep-Alive) and the body's length and
   * coding are left to the server that sends them again.
   */
  headers: Array<[string, string]>;
}

/** Headers a server writes for itself: one that replays a recorded header block must not copy them. */
const OWN_HEADERS = new Set(['date', 'connection', 'keep-alive', 'content-length', 'content-encoding', 'transfer-encoding']);

/** A response's headers (Node's `rawHeaders`, name and value alternating) less the server's own, in order, names lower-cased. */
export function recordedHeaders(rawHeaders: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    if (!OWN_HEADERS.has(name)) out.push([name, rawHeaders[i + 1]!]);
  }
  return out;
}

const CONTENT_TYPE_ONLY: Array<[string, string]> = [['content-type', 'application/json; charset=utf-8']];

/** The headers bare Fastify sends with a recorded body (its content coding aside). */
export function bareHeaders(recorded: RecordedBody, sameHeaders: boolean): Array<[string, string]> {
  return sameHeaders ? recorded.headers : CONTENT_TYPE_ONLY;
}
