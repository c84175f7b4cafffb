import { z } from 'zod';
import type { ModuleConfig } from '../../kernel/config/module-config.js';

/** The user module's settings: `user.*` in config/*.json, `ADMIN_EMAIL` / `ADMIN_PASSWORD`. */
export const UserConfigSchema = z.object({
  /** The admin ensured at every start, when both are set (there is no default admin). */
  admin: z
    .object({
      email: z.string().email().optional(),
      password: z.string().min(8).optional(),
    })
    .default({}),
  /** Lifetime of each refresh token (rotated on every use); default 14 days. */
  refreshTokenTtlSeconds: z.coerce.number().int().min(1).max(31_536_000).default(1_209_600),
  /**
   * Failed sign-ins counted per account (normalized email, known or not) and per client IP in a
   * sliding window; past the limit each further failure locks for twice as long, up to the cap.
   */
  loginThrottle: z
    .object({
      windowMs: z.coerce.number().int().min(1).default(900_000),
      accountMaxFailures: z.coerce.number().int().min(1).default(5),
      ipMaxFailures: z.coerce.number().int().min(1).default(20),
      lockBaseMs: z.coerce.number().int().min(1).default(60_000),
      lockMaxMs: z.coerce.number().int().min(1).default(900_000),
    })
    .default({ windowMs: 900_000, accountMaxFailures: 5, ipMaxFailures: 20, lockBaseMs: 60_000, lockMaxMs: 900_000 }),
});
export type UserConfig = z.infer<typeof UserConfigSchema>;

export const userConfig: ModuleConfig = {
  schema: UserConfigSchema,
  env: { ADMIN_EMAIL: 'admin.email', ADMIN_PASSWORD: 'admin.password' },
  secrets: ['admin.password'],
};
