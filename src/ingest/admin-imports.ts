// POST /admin/imports: an operator uploads a listing feed (text/csv or application/json) and gets
// the real summary back — rows, accepted, created/updated/unchanged, and every rejected row with
// its number and reason. The token and the media type are checked before the body is read, the
// body is capped, and a feed that cannot be parsed at all is refused before anything is written.
import { envInt } from '../common/env.js';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { loadArbitrageParams } from '../config/index.js';
import { FeedFormatError } from './feed-rows.js';
import { importListingFeed, importSummaryBody } from './import-service.js';
import { ApiError } from '../common/errors.js';
import type { Clock } from '../common/clock.js';
import type { SnapshotSink } from './evidence-sink.js';
import type { Db } from '../storage/index.js';
import type { QualityFlags } from '../quality/index.js';

export const DEFAULT_IMPORT_MAX_BYTES = 10 * 1024 * 1024;
const FORMATS: Record<string, 'csv' | 'json'> = { 'text/csv': 'csv', 'application/json': 'json' };
const ORIGIN_NAME = /^[A-Za-z0-9._-]{1,100}$/;

function importMaxBytes(env: NodeJS.ProcessEnv): number {
  return envInt(env, 'IMPORT_MAX_BYTES', DEFAULT_IMPORT_MAX_BYTES, 1024, 512 * 1024 * 1024);
}

function mediaType(request: FastifyRequest): string {
  return (
    String(request.headers['content-type'] ?? '')
      .split(';')[0]
      ?.trim()
      .toLowerCase() ?? ''
  );
}

/** What the upload route uses: the store, the clock, the evidence store, the admin check, the environment (its size cap) and the flags. */
export interface AdminImportDeps {
  db: Db;
  clock: Clock;
  evidence: SnapshotSink;
  admin: preHandlerAsyncHookHandler;
  env: NodeJS.ProcessEnv;
  /** The live flags: an upload is checked as the rollout stands (a rolled-back phase 3 reaches it too). */
  flags: QualityFlags;
}

export async function adminImportRoutes(app: FastifyInstance, { db, clock, evidence, admin, env, flags }: AdminImportDeps): Promise<void> {
  const maxBytes = importMaxBytes(env);
  // This scope takes both formats as the bytes sent: the feed reader parses them and reports per
  // row, refuses a feed that is not UTF-8 (as `ingest --file` does), and the evidence is the
  // upload itself. Read as a string, Latin-1 text was stored with U+FFFD and kept re-encoded.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(['application/json', 'text/csv'], { parseAs: 'buffer', bodyLimit: maxBytes }, (_req, body, done) =>
    done(null, body),
  );

  app.post(
    '/admin/imports',
    {
      schema: {
        tags: ['admin'],
        summary: 'Upload a listing feed (text/csv or application/json); answers the import summary',
        description:
          'The body is the feed itself (CSV with a header row, or a JSON array of rows with the same keys). Rows are upserted by source + lot_id; each rejected row is listed with its number and reason while the others land. X-Feed-Name names the upload in provenance.',
        consumes: ['text/csv', 'application/json'],
        response: {
          200: {
            description: 'The import summary',
            type: 'object',
            required: [
              'importId',
              'rows',
              'accepted',
              'created',
              'updated',
              'unchanged',
              'superseded',
              'rejected',
              'quarantined',
              'flagged',
              'unpublished',
              'sanitized',
              'vinsDecoded',
            ],
            properties: {
              importId: { type: 'integer' },
              rows: { type: 'integer' },
              accepted: { type: 'integer' },
              created: { type: 'integer' },
              updated: { type: 'integer' },
              unchanged: { type: 'integer' },
              superseded: {
                type: 'integer',
                description: 'rows a later row of the same lot replaced (the last one wins); not counted in rows',
              },
              rejected: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['row', 'reason'],
                  properties: {
                    row: { type: 'integer' },
                    lotId: { type: ['string', 'null'] },
                    source: { type: ['string', 'null'] },
                    reason: { type: 'string' },
                  },
                },
              },
              quarantined: {
                type: 'array',
                description: 'rows stored but not published: they failed the data contract',
                items: {
                  type: 'object',
                  required: ['row', 'lotId', 'source', 'reasons'],
                  properties: {
                    row: { type: 'integer' },
                    lotId: { type: 'string' },
                    source: { type: 'string' },
                    reasons: {
                      type: 'array',
                      items: {
                        type: 'object',
                        required: ['rule', 'message'],
                        properties: { rule: { type: 'string' }, message: { type: 'string' } },
                      },
                    },
                  },
                },
              },
              flagged: { type: 'integer', description: 'rows flagged by anomaly detection' },
              unpublished: { type: 'integer', description: 'listings that were live and were withdrawn: their update failed the contract' },
              sanitized: { type: 'integer', description: 'rows whose text was cleaned of markup or control characters' },
              vinsDecoded: { type: 'integer' },
            },
          },
          400: { $ref: 'Error#' },
          413: { $ref: 'Error#' },
          415: { $ref: 'Error#' },
        },
      },
      bodyLimit: maxBytes,
      onRequest: [
        admin,
        async (request) => {
          const type = mediaType(request);
          if (!(type in FORMATS))
            throw new ApiError(415, 'unsupported_media_type', 'Upload a feed as text/csv or application/json', [
              { field: 'header:content-type', message: `must be text/csv or application/json, got "${type.slice(0, 80)}"` },
            ]);
          const length = Number(request.headers['content-length'] ?? NaN);
          if (Number.isFinite(length) && length > maxBytes)
            throw new ApiError(413, 'payload_too_large', `The feed is larger than ${maxBytes} bytes`);
        },
      ],
    },
    async (request) => {
      const format = FORMATS[mediaType(request)] as 'csv' | 'json';
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      if (body.every((b) => b === 32 || (b >= 9 && b <= 13)))
        throw new ApiError(400, 'empty_feed', 'The uploaded feed is empty', [{ field: 'body', message: 'is empty' }]);
      const given = request.headers['x-feed-name'];
      if (given !== undefined && (typeof given !== 'string' || !ORIGIN_NAME.test(given))) {
        throw new ApiError(400, 'invalid_request', 'Invalid header: x-feed-name', [
          { field: 'header:x-feed-name', message: 'must be 1–100 of A-Z a-z 0-9 . _ -' },
        ]);
      }
      const origin = `upload:${typeof given === 'string' ? given : `${format}-${clock.now()}`}`;
      let summary;
      try {
        summary = await importListingFeed(db, body, format, {
          origin,
          now: clock.now(),
          params: loadArbitrageParams(),
          snapshots: evidence,
          flags,
        });
      } catch (err) {
        if (err instanceof FeedFormatError) throw new ApiError(400, 'invalid_feed', err.message, [{ field: 'body', message: err.message }]);
        throw err;
      }
      return importSummaryBody(summary);
    },
  );
}
