import type { EntityManager } from '@mikro-orm/core';
import { insertEntity, selectRows, tableOf } from '../../../kernel/db/plain-sql.js';
import type { Payment } from '../domain/payment.js';
import { PaymentSchema } from './payment.schema.js';
import type { PaymentRepository } from '../application/payment-repository.port.js';

/** What the saga does on every order (is it charged, record the charge) is plain SQL; reads go through the ORM's entities. */
export class OrmPaymentRepository implements PaymentRepository {
  async isCharged(em: EntityManager, orderId: string): Promise<boolean> {
    return (await selectRows(em, `select 1 from ${tableOf(em, PaymentSchema)} where order_id = ?`, [orderId])).length > 0;
  }

  /** Payments of one order, oldest first; only those of `userId` when given. */
  forOrder(em: EntityManager, orderId: string, userId?: string): Promise<Payment[]> {
    return em.find(PaymentSchema, { orderId, ...(userId === undefined ? {} : { userId }) }, { orderBy: { createdAt: 'asc' } });
  }

  add(em: EntityManager, payment: Payment): Promise<void> {
    return insertEntity(em, PaymentSchema, payment);
  }
}
