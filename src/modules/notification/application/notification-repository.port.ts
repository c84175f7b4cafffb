import type { InjectionToken } from 'tsyringe';
import type { Transaction } from '../../../kernel/events/unit-of-work.js';
import type { Notification, Recipient } from '../domain/notification.js';
import type { Rendered } from '../domain/notification.templates.js';

export interface NotificationRepository {
  saveRecipient(em: Transaction['em'], recipient: Recipient): Promise<void>;
  /** The known recipients among `userIds`, by user id (one query for a whole pass of the dispatcher). */
  findRecipients(em: Transaction['em'], userIds: readonly string[]): Promise<Map<string, Recipient>>;
  /** Records a notification to deliver, once per event (the consumer's inbox turns away a second delivery). */
  record(em: Transaction['em'], userId: string, eventId: string, rendered: Rendered): Promise<void>;
  /** Pending ones whose time has come, and sending ones whose claim expired (their sender died). */
  due(em: Transaction['em'], now: Date, limit: number): Promise<Notification[]>;
  /** Takes one for sending until `until`; false if another sender got it first. */
  claim(em: Transaction['em'], n: Notification, until: Date): Promise<boolean>;
  markSent(em: Transaction['em'], id: string, attempts: number): Promise<void>;
  markFailed(em: Transaction['em'], id: string, attempts: number, error: string, retryAt: Date | null): Promise<void>;
  pageForUser(em: Transaction['em'], userId: string, limit: number, before?: string): Promise<{ items: Notification[]; hasMore: boolean }>;
}

/** Injection token of the port; infrastructure registers the implementation. */
export const NotificationRepository: InjectionToken<NotificationRepository> = Symbol('NotificationRepository');
