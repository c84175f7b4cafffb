import { z } from 'zod';
import { defineEvent } from '../../../kernel/events/event-contract.js';
import { MoneySchema } from '../../../kernel/shared/money.js';

/**
 * Every line of an order is set aside. It carries what the payment step needs (amount, method,
 * customer) so that payment depends on this one event and never races the order's own stream.
 * Subject = orderId.
 */
export const StockReservedV1 = defineEvent(
  'stock.reserved.v1',
  z
    .object({
      orderId: z.uuid(),
      userId: z.uuid(),
      lines: z.array(z.object({ sku: z.string().min(1), quantity: z.number().int().min(1) })).min(1),
      amount: MoneySchema,
      paymentMethod: z.string().min(1),
    })
    .describe('Every line of the order is set aside; carries what the payment step needs. Subject = orderId.'),
);
