import type { EntityManager } from '@mikro-orm/core';
import { changeRows, selectRows, tableOf } from '../../../kernel/db/plain-sql.js';
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

  async add(em: EntityManager, p: Payment): Promise<void> {
    await changeRows(
      em,
      `insert into ${tableOf(em, PaymentSchema)} (id, order_id, user_id, amount, payment_method, status, provider_reference, failure_reason, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [p.id, p.orderId, p.userId, JSON.stringify(p.amount), p.paymentMethod, p.status, p.providerReference, p.failureReason, p.createdAt],
    );
  }
}
