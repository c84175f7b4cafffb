import { z } from 'zod';
import { MoneySchema } from '../../../kernel/shared/money.js';
import type { Payment } from '../domain/payment.js';

export const PaymentView = z
  .object({
    id: z.uuid(),
    orderId: z.uuid(),
    amount: MoneySchema,
    status: z.enum(['captured', 'declined', 'failed', 'refunded']),
    createdAt: z.string(),
  })
  .meta({ id: 'Payment' });
export type PaymentView = z.infer<typeof PaymentView>;

/** What the customer sees of a payment: not the provider's reference or the card method. */
export function toPaymentView(p: Payment): PaymentView {
  return { id: p.id, orderId: p.orderId, amount: { ...p.amount }, status: p.status, createdAt: p.createdAt.toISOString() };
}
