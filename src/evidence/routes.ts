// GET /admin/snapshots/:sha256 — the stored bytes of a snapshot, whose SHA-256 equals the name.
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import { ApiError } from '../common/errors.js';
import { normalizeHash } from './hash.js';
import { SnapshotCorruptError, type EvidenceStore } from './store.js';

export interface EvidenceRoutesOptions {
  evidence: Pick<EvidenceStore, 'get'>;
  admin: preHandlerAsyncHookHandler;
}

export async function evidenceRoutes(app: FastifyInstance, opts: EvidenceRoutesOptions): Promise<void> {
  app.get(
    '/admin/snapshots/:sha256',
    { preHandler: opts.admin, schema: { tags: ['operations'], summary: 'The stored bytes of a source snapshot by SHA-256 (admin)' } },
    async (request, reply) => {
      const raw = (request.params as { sha256: string }).sha256;
      // Also as provenance records it (`sha256:<hex>`), so a snapshotHash can be pasted as it is.
      const hash = /^(sha256:)?[0-9a-fA-F]{64}$/.test(raw) ? normalizeHash(raw) : null;
      if (!hash)
        throw new ApiError(400, 'invalid_request', 'Invalid path parameter: sha256', [
          { field: 'sha256', message: 'must be 64 hexadecimal characters, optionally after sha256:' },
        ]);
      let snap;
      try {
        snap = await opts.evidence.get(hash);
      } catch (err) {
        if (err instanceof SnapshotCorruptError) {
          request.log.error({ hash }, err.message);
          throw new ApiError(
            404,
            'snapshot_corrupt',
            `Snapshot ${hash} is stored but its bytes no longer match its hash; it cannot be served`,
          );
        }
        throw err;
      }
      if (!snap) throw new ApiError(404, 'not_found', `No snapshot ${hash} is stored`);
      reply
        .type(snap.contentType ?? 'application/octet-stream')
        .header('X-Content-SHA256', snap.hash)
        .header('ETag', `"${snap.hash}"`)
        .header('Cache-Control', 'private, max-age=31536000, immutable')
        // Stored pages are third-party content: never rendered as this origin's own.
        .header('Content-Security-Policy', "default-src 'none'; sandbox")
        .header('Content-Disposition', `attachment; filename="${snap.hash}"`);
      return snap.bytes;
    },
  );
}
