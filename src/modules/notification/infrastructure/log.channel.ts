import type { Logger } from '../../../kernel/observability/logger.factory.js';
import type { NotificationChannel, OutgoingMessage } from '../domain/notification-channel.port.js';

/** Development: without SMTP_URL, messages are written to the log instead of mailed. */
export class LogChannel implements NotificationChannel {
  readonly name = 'log';

  constructor(private readonly logger: Logger) {}

  async send(message: OutgoingMessage): Promise<void> {
    this.logger.info({ to: message.to, subject: message.subject, messageId: message.messageId }, `notification: ${message.text}`);
  }
}
