import { z } from 'zod';
import { defineEvent } from '../../../kernel/events/event-contract.js';
import { MoneySchema } from '../../../kernel/shared/money.js';

/** The order's total was charged. Subject = orderId. */
export const PaymentCapturedV1 = defineEvent(
  'payment.captured.v1',
  z.object({ paymentId: z.uuid(), orderId: z.uuid(), userId: z.uuid(), amount: MoneySchema }).describe("The order's total was charged. Subject = orderId."),
);
