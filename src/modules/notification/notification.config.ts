import { z } from 'zod';
import type { ModuleConfig } from '../../kernel/config/module-config.js';

/** The notification module's settings: `notification.*` in config/*.json, `SMTP_URL`. */
export const NotificationConfigSchema = z.object({
  /** SMTP server for outgoing mail (smtp://user:pass@host:port); unset logs messages instead. */
  smtpUrl: z.string().url().optional(),
  from: z.string().min(3),
  /** How often due mail is looked for. */
  pollIntervalMs: z.coerce.number().int().min(10),
  maxAttempts: z.coerce.number().int().min(1).max(50),
});
export type NotificationConfig = z.infer<typeof NotificationConfigSchema>;

export const notificationConfig: ModuleConfig = {
  schema: NotificationConfigSchema,
  env: { SMTP_URL: 'smtpUrl' },
  secrets: ['smtpUrl'],
};
