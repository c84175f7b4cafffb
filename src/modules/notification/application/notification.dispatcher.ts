import { inject, injectable } from 'tsyringe';
import type { UnitOfWork } from '../../../kernel/events/unit-of-work.js';
import type { Logger } from '../../../kernel/observability/logger.factory.js';
import { TOKENS } from '../../../kernel/tokens.js';
import { NOTIFICATION_CHANNEL, type NotificationChannel } from '../domain/notification-channel.port.js';
import { nextAttemptDelayMs, type Notification, type Recipient } from '../domain/notification.js';
import { NotificationRepository } from './notification-repository.port.js';
import type { NotificationConfig } from '../notification.config.js';

/** How long a sender holds a claimed notification before another may take it over. */
const CLAIM_MS = 60_000;
const BATCH = 50;

/**
 * Delivers recorded notifications outside the event handlers, so a slow or failing mail server
 * never holds up the saga. Each is claimed before sending (several replicas never send the same
 * one at once), retried with backoff, and given up after the configured number of attempts.
 */
@injectable()
export class NotificationDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @inject(TOKENS.UnitOfWork) private readonly uow: UnitOfWork,
    @inject(NotificationRepository) private readonly notifications: NotificationRepository,
    @inject(NOTIFICATION_CHANNEL) private readonly channel: NotificationChannel,
    @inject(TOKENS.ModuleConfig) private readonly config: NotificationConfig,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.config.pollIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.channel.close?.();
  }

  private tick(): void {
    if (this.running || !this.timer) return;
    this.running = this.deliverDue()
      .then(() => undefined)
      .catch((err: unknown) => this.logger.error({ err }, 'notification dispatch failed'))
      .finally(() => {
        this.running = undefined;
      });
  }

  /** One pass over what is due; returns how many were sent. */
  async deliverDue(): Promise<number> {
    const em = this.uow.reader();
    const due = await this.notifications.due(em, new Date(), BATCH);
    if (due.length === 0) return 0;
    const recipients = await this.notifications.findRecipients(
      em,
      due.map((n) => n.userId),
    );
    let sent = 0;
    for (const notification of due) {
      if (!this.timer) break;
      if (!(await this.notifications.claim(em, notification, new Date(Date.now() + CLAIM_MS)))) continue;
      if (await this.deliver(notification, recipients.get(notification.userId))) sent += 1;
    }
    return sent;
  }

  private async deliver(n: Notification, recipient: Recipient | undefined): Promise<boolean> {
    const em = this.uow.reader();
    const attempts = n.attempts + 1;
    try {
      // The account event may not have arrived yet: that is worth waiting for.
      if (!recipient) throw new Error('recipient not known yet');
      await this.channel.send({ to: recipient.email, subject: n.subject, text: n.body, messageId: `<${n.id}@mercato>` });
      await this.notifications.markSent(em, n.id, attempts);
      return true;
    } catch (err) {
      const giveUp = attempts >= this.config.maxAttempts;
      const retryAt = giveUp ? null : new Date(Date.now() + nextAttemptDelayMs(attempts));
      await this.notifications.markFailed(em, n.id, attempts, (err as Error).message, retryAt);
      this.logger.warn({ notificationId: n.id, attempts, giveUp, err }, 'notification delivery failed');
      return false;
    }
  }
}
