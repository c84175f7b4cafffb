import type { EntityManager } from '@mikro-orm/core';
import { newId } from '../../../kernel/ids/id.generator.js';
import { changeRows, insertEntity, selectEntities, tableOf } from '../../../kernel/db/plain-sql.js';
import type { Notification, Recipient } from '../domain/notification.js';
import type { Rendered } from '../domain/notification.templates.js';
import { NotificationSchema, RecipientSchema } from './notification.schema.js';
import type { NotificationRepository } from '../application/notification-repository.port.js';

/**
 * What every order's message goes through (recorded, found due, claimed, marked) is plain SQL:
 * the ORM's entity queries and tracked changes cost several times the statement. Recipients are
 * saved and a customer's list is read through the ORM's entities.
 */
export class OrmNotificationRepository implements NotificationRepository {
  async saveRecipient(em: EntityManager, recipient: Recipient): Promise<void> {
    await em.upsert(RecipientSchema, recipient);
  }

  /** The known recipients among `userIds`, by user id (one query for a whole pass of the dispatcher). */
  async findRecipients(em: EntityManager, userIds: readonly string[]): Promise<Map<string, Recipient>> {
    const ids = [...new Set(userIds)];
    if (ids.length === 0) return new Map();
    const found = await selectEntities(em, RecipientSchema, `user_id in (${ids.map(() => '?').join(', ')})`, ids);
    return new Map(found.map((r) => [r.userId, r]));
  }

  /**
   * Records a notification to deliver. Called once per event: the consumer's inbox, in the same
   * transaction, already turned away a second delivery, and the unique event id backs it up.
   */
  async record(em: EntityManager, userId: string, eventId: string, rendered: Rendered): Promise<void> {
    const now = new Date();
    await insertEntity(em, NotificationSchema, {
      id: newId(),
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
    return selectEntities(em, NotificationSchema, 'status in (?, ?) and due_at <= ? order by due_at asc limit ?', ['pending', 'sending', now, limit]);
  }

  /** Takes one for sending until `until`; false if another sender got it first. */
  async claim(em: EntityManager, n: Notification, until: Date): Promise<boolean> {
    const sql = `update ${tableOf(em, NotificationSchema)} set status = ?, due_at = ? where id = ? and status = ? and due_at = ?`;
    return (await changeRows(em, sql, ['sending', until, n.id, n.status, n.dueAt])) === 1;
  }

  async markSent(em: EntityManager, id: string, attempts: number): Promise<void> {
    await changeRows(em, `update ${tableOf(em, NotificationSchema)} set status = ?, sent_at = ?, attempts = ?, last_error = null where id = ?`, [
      'sent',
      new Date(),
      attempts,
      id,
    ]);
  }

  async markFailed(em: EntityManager, id: string, attempts: number, error: string, retryAt: Date | null): Promise<void> {
    const table = tableOf(em, NotificationSchema);
    await (retryAt
      ? changeRows(em, `update ${table} set status = ?, attempts = ?, last_error = ?, due_at = ? where id = ?`, ['pending', attempts, error, retryAt, id])
      : changeRows(em, `update ${table} set status = ?, attempts = ?, last_error = ? where id = ?`, ['failed', attempts, error, id]));
  }

  async pageForUser(em: EntityManager, userId: string, limit: number, before?: string): Promise<{ items: Notification[]; hasMore: boolean }> {
    const rows = await em.find(NotificationSchema, before ? { userId, id: { $lt: before } } : { userId }, { orderBy: { id: 'desc' }, limit: limit + 1 });
    return { items: rows.slice(0, limit), hasMore: rows.length > limit };
  }
}
