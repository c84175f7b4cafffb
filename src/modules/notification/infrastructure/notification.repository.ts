import type { EntityManager } from '@mikro-orm/core';
import { v7 as uuidv7 } from 'uuid';
import type { Notification, Recipient } from '../domain/notification.js';
import type { Rendered } from '../domain/notification.templates.js';
import { NotificationSchema, RecipientSchema } from './notification.schema.js';
import type { NotificationRepository } from '../application/notification-repository.port.js';

export class OrmNotificationRepository implements NotificationRepository {
  async saveRecipient(em: EntityManager, recipient: Recipient): Promise<void> {
    await em.upsert(RecipientSchema, recipient);
  }

  /** The known recipients among `userIds`, by user id (one query for a whole pass of the dispatcher). */
  async findRecipients(em: EntityManager, userIds: readonly string[]): Promise<Map<string, Recipient>> {
    const found = await em.find(RecipientSchema, { userId: { $in: [...new Set(userIds)] } });
    return new Map(found.map((r) => [r.userId, r]));
  }

  /**
   * Records a notification to deliver. Called once per event: the consumer's inbox, in the same
   * transaction, already turned away a second delivery, and the unique event id backs it up.
   */
  async record(em: EntityManager, userId: string, eventId: string, rendered: Rendered): Promise<void> {
    const now = new Date();
    em.create(NotificationSchema, {
      id: uuidv7(),
      userId,
      eventId,
      ...rendered,
      status: 'pending',
      attempts: 0,
      dueAt: now,
      lastError: null,
      createdAt: now,
      sentAt: null,
    });
  }

  /** Pending ones whose time has come, and sending ones whose claim expired (their sender died). */
  due(em: EntityManager, now: Date, limit: number): Promise<Notification[]> {
    return em.find(NotificationSchema, { status: { $in: ['pending', 'sending'] }, dueAt: { $lte: now } }, { orderBy: { dueAt: 'asc' }, limit });
  }

  /** Takes one for sending until `until`; false if another sender got it first. */
  async claim(em: EntityManager, n: Notification, until: Date): Promise<boolean> {
    return (await em.nativeUpdate(NotificationSchema, { id: n.id, status: n.status, dueAt: n.dueAt }, { status: 'sending', dueAt: until })) === 1;
  }

  async markSent(em: EntityManager, id: string, attempts: number): Promise<void> {
    await em.nativeUpdate(NotificationSchema, { id }, { status: 'sent', sentAt: new Date(), attempts, lastError: null });
  }

  async markFailed(em: EntityManager, id: string, attempts: number, error: string, retryAt: Date | null): Promise<void> {
    await em.nativeUpdate(
      NotificationSchema,
      { id },
      retryAt ? { status: 'pending', attempts, lastError: error, dueAt: retryAt } : { status: 'failed', attempts, lastError: error },
    );
  }

  async pageForUser(em: EntityManager, userId: string, limit: number, before?: string): Promise<{ items: Notification[]; hasMore: boolean }> {
    const rows = await em.find(NotificationSchema, before ? { userId, id: { $lt: before } } : { userId }, { orderBy: { id: 'desc' }, limit: limit + 1 });
    return { items: rows.slice(0, limit), hasMore: rows.length > limit };
  }
}
