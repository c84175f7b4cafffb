import { z } from 'zod';
import type { ModuleConfig } from '../../kernel/config/module-config.js';

/**
 * The payment module's settings: `payment.*` in config/*.json, `PAYMENT_PROVIDER`. Only the
 * sandbox is built in; production refuses it unless it is chosen explicitly, so that a production
 * deployment never takes pretend payments by accident.
 */
export const PaymentConfigSchema = z.object({ provider: z.enum(['sandbox']).optional() });
export type PaymentConfig = z.infer<typeof PaymentConfigSchema>;

export const paymentConfig: ModuleConfig = { schema: PaymentConfigSchema, env: { PAYMENT_PROVIDER: 'provider' } };
