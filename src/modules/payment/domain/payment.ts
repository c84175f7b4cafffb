import type { Money } from '../../../kernel/shared/money.js';

/** `failed`: the provider could not be reached, so nothing was charged. */
export type PaymentStatus = 'captured' | 'declined' | 'failed' | 'refunded';

export interface Payment {
  id: string;
  /** One payment per order, whatever happens: the unique key that forbids a second charge. */
  orderId: string;
  userId: string;
  amount: Money;
  paymentMethod: string;
  status: PaymentStatus;
  providerReference: string | null;
  failureReason: string | null;
  createdAt: Date;
}
