import { z } from 'zod';
import type { Notification } from '../domain/notification.js';

export const NotificationView = z
  .object({
    id: z.uuid(),
    kind: z.enum(['welcome', 'order_confirmed', 'order_cancelled']),
    subject: z.string(),
    body: z.string(),
    status: z.enum(['pending', 'sending', 'sent', 'failed']),
    createdAt: z.string(),
    sentAt: z.string().nullable(),
  })
  .meta({ id: 'Notification' });
export type NotificationView = z.infer<typeof NotificationView>;

/** What the customer sees of a message: not its delivery bookkeeping (attempts, claims, errors). */
export function toNotificationView(n: Notification): NotificationView {
  return {
    id: n.id,
    kind: n.kind,
    subject: n.subject,
    body: n.body,
    status: n.status,
    createdAt: n.createdAt.toISOString(),
    sentAt: n.sentAt ? n.sentAt.toISOString() : null,
  };
}
