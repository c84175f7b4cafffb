import { z } from 'zod';

/** Money as integer minor units plus an ISO 4217 currency code (e.g. 1999 EUR = €19.99). */
export const MoneySchema = z
  .object({
    amount: z.number().int().min(0).max(1_000_000_000),
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR'),
  })
  .meta({ id: 'Money', description: 'An amount in minor units (cents) of an ISO 4217 currency: 1290 EUR is €12.90.' });

export type Money = z.infer<typeof MoneySchema>;
