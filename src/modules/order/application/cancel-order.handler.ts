import { inject, injectable } from 'tsyringe';
import type { Transaction } from '../../../kernel/events/unit-of-work.js';
import type { EventEnvelope } from '../../../kernel/events/event-envelope.js';
import type { EventHandler } from '../../../kernel/events/event-handler.js';
import { OrderCancelledV1, type CancelReason } from '../contracts/order-cancelled.event.js';
import { cancel } from '../domain/order.js';
import { OrderRepository } from './order-repository.port.js';

/** What `stock.rejected.v1` and `payment.declined.v1` both say: this order cannot go on, and why. */
interface Refusal {
  orderId: string;
  reason: CancelReason;
}

/**
 * A pending order ends cancelled when inventory cannot fill it or payment fails, announced with
 * `order.cancelled.v1`. An order already settled stays as it is: the saga's events may arrive late
 * or twice.
 */
@injectable()
export class CancelOrderHandler implements EventHandler<Refusal> {
  constructor(@inject(OrderRepository) private readonly orders: OrderRepository) {}

  async handle(event: EventEnvelope<Refusal>, tx: Transaction): Promise<void> {
    const { orderId, reason } = event.data;
    const order = await this.orders.findById(tx.em, orderId);
    if (order && cancel(order, reason, new Date()) && (await this.orders.saveSettlement(tx.em, order))) {
      tx.publish(OrderCancelledV1, order.id, { orderId: order.id, userId: order.userId, reason });
    }
  }
}
