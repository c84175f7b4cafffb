export type NotificationKind = 'welcome' | 'order_confirmed' | 'order_cancelled';
export type NotificationStatus = 'pending' | 'sending' | 'sent' | 'failed';

export interface Notification {
  id: string;
  userId: string;
  /** The event that caused it: one notification per event, however often it is delivered. */
  eventId: string;
  kind: NotificationKind;
  subject: string;
  body: string;
  status: NotificationStatus;
  attempts: number;
  /** When a pending one may next be tried, or until when a sending one is claimed. */
  dueAt: Date;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

/** Whom we can write to, learned from `user.registered.v1`. */
export interface Recipient {
  userId: string;
  email: string;
  name: string;
}

/** Exponential backoff between delivery attempts, capped at ten minutes. */
export function nextAttemptDelayMs(attempts: number): number {
  return Math.min(1000 * 2 ** Math.max(0, attempts - 1), 600_000);
}
