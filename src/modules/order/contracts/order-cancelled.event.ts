import { z } from 'zod';
import { defineEvent } from '../../../kernel/events/event-contract.js';

export const CancelReasonSchema = z.enum(['out_of_stock', 'payment_declined', 'payment_unavailable']);
export type CancelReason = z.infer<typeof CancelReasonSchema>;

/** The order will not be fulfilled; any reserved stock goes back. Subject = orderId. */
export const OrderCancelledV1 = defineEvent(
  'order.cancelled.v1',
  z
    .object({ orderId: z.uuid(), userId: z.uuid(), reason: CancelReasonSchema })
    .describe('The order will not be fulfilled; any reserved stock goes back. Subject = orderId.'),
);
