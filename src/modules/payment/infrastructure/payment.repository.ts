import type { EntityManager } from '@mikro-orm/core';
import type { Payment } from '../domain/payment.js';
import { PaymentSchema } from './payment.schema.js';

export class PaymentRepository {
  findByOrder(em: EntityManager, orderId: string): Promise<Payment | null> {
    return em.findOne(PaymentSchema, { orderId });
  }

  add(em: EntityManager, payment: Payment): void {
    em.create(PaymentSchema, payment);
  }
}
