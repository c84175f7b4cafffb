import type { InjectionToken } from 'tsyringe';
import type { Transaction } from '../../../kernel/events/unit-of-work.js';
import type { Payment } from '../domain/payment.js';

export interface PaymentRepository {
  /** Whether the order has a payment (of any outcome) already. */
  isCharged(em: Transaction['em'], orderId: string): Promise<boolean>;
  /** Payments of one order, oldest first; only those of `userId` when given. */
  forOrder(em: Transaction['em'], orderId: string, userId?: string): Promise<Payment[]>;
  add(em: Transaction['em'], payment: Payment): Promise<void>;
}

/** Injection token of the port; infrastructure registers the implementation. */
export const PaymentRepository: InjectionToken<PaymentRepository> = Symbol('PaymentRepository');
