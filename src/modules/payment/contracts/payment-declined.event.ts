import { z } from 'zod';
import { defineEvent } from '../../../kernel/events/event-contract.js';
import { MoneySchema } from '../../../kernel/shared/money.js';

/**
 * No money moved: the card was declined (`payment_declined`) or the provider could not be reached
 * after retries (`payment_unavailable`). Subject = orderId.
 */
export const PaymentDeclinedV1 = defineEvent(
  'payment.declined.v1',
  z
    .object({
      paymentId: z.uuid(),
      orderId: z.uuid(),
      userId: z.uuid(),
      amount: MoneySchema,
      reason: z.enum(['payment_declined', 'payment_unavailable']),
    })
    .describe('No money moved: the card was declined, or the provider could not be reached after retries. Subject = orderId.'),
);
