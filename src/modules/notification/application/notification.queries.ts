import { inject, injectable } from 'tsyringe';
import type { UnitOfWork } from '../../../kernel/events/unit-of-work.js';
import { decodeCursor, nextCursor } from '../../../kernel/http/cursor.js';
import { TOKENS } from '../../../kernel/tokens.js';
import type { Notification } from '../domain/notification.js';
import { NotificationRepository } from './notification-repository.port.js';

@injectable()
export class NotificationQueries {
  constructor(
    @inject(TOKENS.UnitOfWork) private readonly uow: UnitOfWork,
    @inject(NotificationRepository) private readonly notifications: NotificationRepository,
  ) {}

  /** The caller's own notifications, newest first. */
  async listMine(userId: string, limit: number, cursor?: string): Promise<{ items: Notification[]; nextCursor: string | null }> {
    const page = await this.notifications.pageForUser(this.uow.reader(), userId, limit, cursor ? decodeCursor(cursor) : undefined);
    return { items: page.items, nextCursor: nextCursor(page.items, page.hasMore) };
  }
}
