// Operator view of the outbox: what was sent where, what is still being retried and what was
// parked after its last attempt (with the error), and a way to put a parked message back in line.
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import { ApiError } from '../common/errors.js';
import type { Notifications } from './service.js';
import type { DeliveryStatus } from './tables.js';

export interface NotificationRoutesOptions {
  notifications: Notifications;
  /** The admin bearer-token check. */
  admin: preHandlerAsyncHookHandler;
}

const STATUSES: DeliveryStatus[] = ['pending', 'sending', 'delivered', 'dead'];
const ID = /^[1-9][0-9]{0,14}$/;

export async function notificationRoutes(app: FastifyInstance, opts: NotificationRoutesOptions): Promise<void> {
  const { notifications, admin } = opts;
  app.get(
    '/admin/notifications',
    {
      preHandler: admin,
      schema: { tags: ['operations'], summary: 'The notification outbox: deliveries with status, attempts and last error (admin)' },
    },
    async (request) => {
      const q = request.query as Record<string, string | undefined>;
      if (q.status !== undefined && !STATUSES.includes(q.status as DeliveryStatus)) {
        throw new ApiError(400, 'invalid_request', `status must be one of ${STATUSES.join(', ')}`, [
          { field: 'status', message: 'unknown status' },
        ]);
      }
      const limit = q.limit === undefined ? 200 : Number(q.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 5000)
        throw new ApiError(400, 'invalid_request', 'limit must be an integer 1–5000', [{ field: 'limit', message: 'must be 1–5000' }]);
      return { items: await notifications.list({ status: q.status as DeliveryStatus | undefined, topic: q.topic, limit }) };
    },
  );

  app.post(
    '/admin/notifications/:id/retry',
    { preHandler: admin, schema: { tags: ['operations'], summary: 'Put a parked (dead) message back in line (admin)' } },
    async (request) => {
      const raw = (request.params as { id: string }).id;
      if (!ID.test(raw))
        throw new ApiError(400, 'invalid_request', 'Invalid path parameter: id', [{ field: 'id', message: 'must be a positive integer' }]);
      if (!(await notifications.retry(Number(raw))))
        throw new ApiError(409, 'not_parked', `Notification ${raw} does not exist or is not parked (dead)`);
      return { id: Number(raw), status: 'pending' };
    },
  );
}
