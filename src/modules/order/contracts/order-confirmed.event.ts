import { z } from 'zod';
import { defineEvent } from '../../../kernel/events/event-contract.js';
import { MoneySchema } from '../../../kernel/shared/money.js';

/** Stock reserved and payment captured: the order will ship. Subject = orderId. */
export const OrderConfirmedV1 = defineEvent(
  'order.confirmed.v1',
  z
    .object({ orderId: z.uuid(), userId: z.uuid(), total: MoneySchema })
    .describe('Stock reserved and payment captured: the order will ship. Subject = orderId.'),
);
