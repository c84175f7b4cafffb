export interface OutgoingMessage {
  to: string;
  subject: string;
  text: string;
  /** Stable per notification, so a receiver can recognise a repeated delivery. */
  messageId: string;
}

/** How a notification leaves the system (SMTP, or a log line in development). */
export interface NotificationChannel {
  readonly name: string;
  send(message: OutgoingMessage): Promise<void>;
  close?(): Promise<void>;
}

export const NOTIFICATION_CHANNEL = Symbol('NotificationChannel');
