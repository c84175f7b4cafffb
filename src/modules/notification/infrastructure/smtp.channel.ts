import nodemailer, { type Transporter } from 'nodemailer';
import type { NotificationChannel, OutgoingMessage } from '../domain/notification-channel.port.js';

export class SmtpChannel implements NotificationChannel {
  readonly name = 'smtp';
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    this.transport = nodemailer.createTransport({ url: smtpUrl, connectionTimeout: 5000, greetingTimeout: 5000, socketTimeout: 10_000 });
  }

  async send(message: OutgoingMessage): Promise<void> {
    await this.transport.sendMail({ from: this.from, to: message.to, subject: message.subject, text: message.text, messageId: message.messageId });
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
