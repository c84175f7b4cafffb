import type { Logger } from '../../../kernel/observability/logger.factory.js';
import type { NotificationChannel, OutgoingMessage } from '../domain/notification-channel.port.js';

/** `ann.smith@example.com` → `a***@e***.com`: enough to tell messages apart, not to know who got them. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '***';
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  const dot = domain.lastIndexOf('.');
  const tld = dot > 0 ? domain.slice(dot) : '';
  return `${local[0]}***@${domain[0] ?? ''}***${tld}`;
}

/**
 * Without SMTP_URL, messages are written to the log instead of mailed. In development the whole
 * message is logged (that is how a developer reads the mail); anywhere else (`redact`) the log gets
 * only a masked recipient and the message id: logs travel to places that must not hold
 * customers' addresses, names or orders.
 */
export class LogChannel implements NotificationChannel {
  readonly name = 'log';

  constructor(
    private readonly logger: Logger,
    private readonly options: { redact: boolean } = { redact: true },
  ) {}

  async send(message: OutgoingMessage): Promise<void> {
    if (this.options.redact) {
      this.logger.info(
        { to: maskEmail(message.to), messageId: message.messageId, chars: message.text.length },
        'notification (content withheld outside development)',
      );
      return;
    }
    this.logger.info({ to: message.to, subject: message.subject, messageId: message.messageId }, `notification: ${message.text}`);
  }
}
