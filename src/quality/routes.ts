// HTTP surface of the quality capability: the published listing contract, the quarantine, field
// provenance of an opportunity (also as W3C PROV-JSON), anomaly verdicts and the quality report.
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Clock } from '../common/clock.js';
import { ApiError, checkQueryParams } from '../common/errors.js';
import { sendJsonNegotiated } from '../common/response-body.js';
import type { Db } from '../storage/index.js';
import type { OpportunityReads } from '../opportunities/index.js';
import type { FlagService } from '../flags/index.js';
import { AnomalyNotFound, isAnomalyStatus, listAnomalies, markFalsePositive } from './anomaly/verdicts.js';
import { listingContractDocument } from './contract/listing-contract.js';
import { listQuarantine } from './contract/quarantine-store.js';
import { LISTING_FIELD_PATHS, PUBLISHED_FIELDS } from './provenance/fields.js';
import { flattenValues, toProvJson } from './provenance/prov-json.js';
import { expandProvenance } from './provenance/records.js';
import { provenanceListingId, readProvenance } from './provenance/store.js';
import type { QualityService } from './service.js';

const ID = /^[1-9][0-9]{0,14}$/;

function paging(q: Record<string, unknown>): { limit: number; offset: number } {
  const limit = q.limit === undefined ? 50 : Number(q.limit);
  const offset = q.offset === undefined ? 0 : Number(q.offset);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500)
    throw new ApiError(400, 'invalid_request', 'limit must be an integer 1–500', [{ field: 'limit', message: 'must be 1–500' }]);
  // Beyond 2^53 a number is no longer an exact integer, and PostgreSQL refuses it as a BIGINT.
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw new ApiError(400, 'invalid_request', 'offset must be a non-negative integer', [{ field: 'offset', message: 'must be ≥ 0' }]);
  return { limit, offset };
}

function idParam(request: FastifyRequest): number {
  const raw = (request.params as { id: string }).id;
  if (!ID.test(raw))
    throw new ApiError(400, 'invalid_request', 'Invalid path parameter: id', [{ field: 'id', message: 'must be a positive integer' }]);
  return Number(raw);
}

export interface QualityRoutesOptions {
  db: Db;
  clock: Clock;
  /** The admin bearer-token check (quarantine, anomaly verdicts). */
  admin: preHandlerAsyncHookHandler;
  /** Opportunity details as the API serves them: the provenance answer names their inputs. */
  reads: Pick<OpportunityReads, 'detail'>;
  /** The report, and the parameters a verdict re-appraises with. */
  quality: Pick<QualityService, 'monitor' | 'params'>;
  flags: Pick<FlagService, 'get'>;
}

export async function qualityRoutes(app: FastifyInstance, opts: QualityRoutesOptions): Promise<void> {
  const { db, clock, admin, reads, quality, flags } = opts;

  app.get('/api/contracts/listing', { schema: { tags: ['quality'], summary: 'The versioned listing data contract' } }, async () =>
    listingContractDocument(),
  );

  app.get(
    '/api/quarantine',
    { preHandler: admin, schema: { tags: ['quality'], summary: 'Records quarantined by the listing contract (admin)' } },
    async (request) => {
      const q = request.query as Record<string, unknown>;
      const status = q.status === undefined ? 'quarantined' : String(q.status);
      if (status !== 'quarantined' && status !== 'released' && status !== 'all') {
        throw new ApiError(400, 'invalid_request', 'status must be quarantined, released or all', [
          { field: 'status', message: 'unknown status' },
        ]);
      }
      return listQuarantine(db, {
        ...paging(q),
        status: status === 'all' ? undefined : status,
        source: q.source === undefined ? undefined : String(q.source),
      });
    },
  );

  app.get(
    '/api/opportunities/:id/provenance',
    { schema: { tags: ['quality'], summary: 'Where every field of an opportunity came from (?format=prov-json for W3C PROV-JSON)' } },
    async (request, reply) => {
      const id = idParam(request);
      const query = request.query as Record<string, unknown>;
      if (flags.get('ENABLE_INPUT_VALIDATION')) checkQueryParams(query, ['format']);
      const given = Array.isArray(query.format) ? (query.format as unknown[])[0] : query.format;
      const format = given === undefined ? 'json' : String(given);
      if (format !== 'json' && format !== 'prov-json')
        throw new ApiError(400, 'invalid_request', 'format must be json or prov-json', [{ field: 'format', message: 'unknown format' }]);
      const listingId = await provenanceListingId(db, id);
      if (listingId === null) throw new ApiError(404, 'not_found', `Opportunity ${id} not found`);
      const [stored, detail] = await Promise.all([readProvenance(db, listingId), reads.detail(id)]);
      const { row } = stored;
      const fields = row ? expandProvenance(row) : {};
      // Name the sales behind the estimate, and the decoder release behind the decoded VIN.
      const comparables = detail?.valuation.comparables ?? [];
      for (const path of ['estimatedSalePrice', 'valuation.comparables']) {
        const f = fields[path];
        if (f) f.inputs = [...f.inputs, ...comparables.map((c) => (c.id === null ? `comp:${c.kind}` : `comp:${c.id}`))];
      }
      if (detail?.vehicle)
        for (const [path, f] of Object.entries(fields))
          if (path === 'vehicle' || path.startsWith('vehicle.')) f.agent = detail.vehicle.decoder;
      const missing = PUBLISHED_FIELDS.filter((f) => !fields[f]);
      if (format === 'prov-json') {
        const values: Record<string, unknown> = detail ? flattenValues(detail as unknown as Record<string, unknown>) : {};
        if (stored.listing) {
          const l = stored.listing;
          for (const [k, path] of Object.entries(LISTING_FIELD_PATHS))
            if (path.startsWith('listing.')) values[path] = l[k as keyof typeof l] ?? null;
        }
        return sendJsonNegotiated(request, reply, toProvJson(id, listingId, fields, values));
      }
      return sendJsonNegotiated(request, reply, {
        opportunityId: id,
        listingId,
        source: row
          ? {
              url: row.source_url,
              fetchedAt: new Date(Number(row.fetched_at)).toISOString(),
              snapshotHash: row.snapshot_hash,
              extractorVersion: row.extractor_version,
              origin: row.origin,
            }
          : null,
        engineVersion: row?.engine_version ?? null,
        comparables,
        coverage: {
          published: PUBLISHED_FIELDS.length,
          withRecord: PUBLISHED_FIELDS.length - missing.length,
          ratio: (PUBLISHED_FIELDS.length - missing.length) / PUBLISHED_FIELDS.length,
          missing,
        },
        fields,
      });
    },
  );

  app.get(
    '/api/quality',
    {
      schema: {
        tags: ['quality'],
        summary: 'Data quality: score per source and overall, contract compliance, anomaly FP ratio, provenance coverage',
      },
    },
    async () => quality.monitor.current(),
  );

  app.get('/admin/anomalies', { preHandler: admin, schema: { tags: ['quality'], summary: 'Anomaly flags (admin)' } }, async (request) => {
    const q = request.query as Record<string, unknown>;
    const status = q.status === undefined ? undefined : String(q.status);
    if (status !== undefined && !isAnomalyStatus(status))
      throw new ApiError(400, 'invalid_request', 'status must be open, false_positive, confirmed or resolved', [
        { field: 'status', message: 'unknown status' },
      ]);
    return listAnomalies(db, { ...paging(q), status });
  });

  app.post(
    '/admin/anomalies/:id/false-positive',
    {
      preHandler: admin,
      schema: { tags: ['quality'], summary: 'Mark an anomaly flag as a false positive; re-appraises the listing (admin)' },
    },
    async (request) => {
      const id = idParam(request);
      try {
        const res = await markFalsePositive(db, id, {
          actor: (request as FastifyRequest & { actor?: string }).actor ?? 'admin',
          now: clock.now(),
          params: quality.params,
          anomalyDetection: flags.get('ENABLE_ANOMALY_DETECTION'),
        });
        await quality.monitor.refresh();
        return res;
      } catch (err) {
        if (err instanceof AnomalyNotFound) throw new ApiError(404, 'not_found', err.message);
        throw err;
      }
    },
  );
}
