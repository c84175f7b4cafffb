import type { DependencyContainer } from 'tsyringe';
import { z } from 'zod';
import type { UnitOfWork } from '../../../kernel/events/unit-of-work.js';
import { defineOperation, implement, type ApiRoute } from '../../../kernel/http/api-route.js';
import { decodeCursor, nextCursor, PageQuery } from '../../../kernel/http/cursor.js';
import { TOKENS } from '../../../kernel/tokens.js';
import { NotificationRepository } from '../application/notification-repository.port.js';

const NotificationView = z.object({
  id: z.uuid(),
  kind: z.enum(['welcome', 'order_confirmed', 'order_cancelled']),
  subject: z.string(),
  body: z.string(),
  status: z.enum(['pending', 'sending', 'sent', 'failed']),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
}).meta({ id: 'Notification' });

/** The notification module's HTTP operations, as the API document describes them. */
export const notificationApi = {
  listNotifications: defineOperation({
    operationId: 'listNotifications',
    method: 'get',
    path: '/api/v1/notifications',
    summary: "The caller's notifications, newest first",
    tags: ['notifications'],
    access: 'authenticated',
    request: { query: PageQuery },
    responses: {
      200: { description: 'A page', schema: z.object({ items: z.array(NotificationView), nextCursor: z.string().nullable() }) },
      400: { description: 'Invalid limit or cursor' },
      401: { description: 'No valid token' },
    },
  }),
};

export function notificationRoutes(container: DependencyContainer): ApiRoute[] {
  const uow = container.resolve<UnitOfWork>(TOKENS.UnitOfWork);
  const notifications = container.resolve(NotificationRepository);
  return implement(notificationApi, {
    listNotifications: async ({ query, principal }) => {
      const page = await notifications.pageForUser(uow.reader(), principal.subject, query.limit, query.cursor ? decodeCursor(query.cursor) : undefined);
      return {
        body: {
          items: page.items.map((n) => ({
            id: n.id,
            kind: n.kind,
            subject: n.subject,
            body: n.body,
            status: n.status,
            createdAt: n.createdAt.toISOString(),
            sentAt: n.sentAt ? n.sentAt.toISOString() : null,
          })),
          nextCursor: nextCursor(page.items, page.hasMore),
        },
      };
    },
  });
}
