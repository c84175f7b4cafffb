import { z } from 'zod';
import { defineEvent } from '../../../kernel/events/event-contract.js';
import { MoneySchema } from '../../../kernel/shared/money.js';

export const OrderLineSchema = z.object({
  productId: z.uuid(),
  sku: z.string().min(1),
  quantity: z.number().int().min(1),
  unitPrice: MoneySchema,
});

/** A customer placed an order; it is pending until stock and payment settle it. Subject = orderId. */
export const OrderPlacedV1 = defineEvent(
  'order.placed.v1',
  z
    .object({
      orderId: z.uuid(),
      userId: z.uuid(),
      items: z.array(OrderLineSchema).min(1),
      total: MoneySchema,
      paymentMethod: z.string().min(1),
    })
    .describe('A customer placed an order; it is pending until stock and payment settle it. Subject = orderId.'),
);
