import type { DependencyContainer } from 'tsyringe';
import { z } from 'zod';
import { defineOperation, implement, type ApiRoute } from '../../../kernel/http/api-route.js';
import { PageQuery } from '../../../kernel/http/cursor.js';
import { NotificationQueries } from '../application/notification.queries.js';
import { NotificationView, toNotificationView } from '../application/notification.view.js';

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
  const queries = container.resolve(NotificationQueries);
  return implement(notificationApi, {
    listNotifications: async ({ query, principal }) => {
      const page = await queries.listMine(principal.subject, query.limit, query.cursor);
      return { body: { items: page.items.map(toNotificationView), nextCursor: page.nextCursor } };
    },
  });
}
