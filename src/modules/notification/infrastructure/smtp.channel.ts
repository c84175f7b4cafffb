import type { Transporter } from 'nodemailer';
import type { NotificationChannel, OutgoingMessage } from '../domain/notification-channel.port.js';

export class SmtpChannel implements NotificationChannel {
  readonly name = 'smtp';
  /** Created on the first mail: nodemailer costs ~15 MiB and ~0.1 s of start-up. */
  private transport: Promise<Transporter> | undefined;

  constructor(
    private readonly smtpUrl: string,
    private readonly from: string,
  ) {}

  async send(message: OutgoingMessage): Promise<void> {
    this.transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport({ url: this.smtpUrl, connectionTimeout: 5000, greetingTimeout: 5000, socketTimeout: 10_000 }),
    );
    const transport = await this.transport;
    await transport.sendMail({ from: this.from, to: message.to, subject: message.subject, text: message.text, messageId: message.messageId });
  }

  async close(): Promise<void> {
    (await this.transport)?.close();
  }
}
