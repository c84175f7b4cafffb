import type { EntityManager } from '@mikro-orm/core';
import type { Payment } from '../domain/payment.js';
import { PaymentSchema } from './payment.schema.js';
import type { PaymentRepository } from '../application/payment-repository.port.js';

export class OrmPaymentRepository implements PaymentRepository {
  findByOrder(em: EntityManager, orderId: string): Promise<Payment | null> {
    return em.findOne(PaymentSchema, { orderId });
  }

  /** Payments of one order, oldest first; only those of `userId` when given. */
  forOrder(em: EntityManager, orderId: string, userId?: string): Promise<Payment[]> {
    return em.find(PaymentSchema, { orderId, ...(userId === undefined ? {} : { userId }) }, { orderBy: { createdAt: 'asc' } });
  }

  add(em: EntityManager, payment: Payment): void {
    em.create(PaymentSchema, payment);
  }
}
