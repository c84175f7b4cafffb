import { inject, injectable } from 'tsyringe';
import type { Transaction } from '../../../kernel/events/unit-of-work.js';
import type { EventData } from '../../../kernel/events/event-contract.js';
import type { EventEnvelope } from '../../../kernel/events/event-envelope.js';
import type { EventHandler } from '../../../kernel/events/event-handler.js';
import type { PaymentCapturedV1 } from '../../payment/contracts/payment-captured.event.js';
import { OrderConfirmedV1 } from '../contracts/order-confirmed.event.js';
import { confirm } from '../domain/order.js';
import { OrderRepository } from './order-repository.port.js';

/**
 * A paid order is confirmed, announced with `order.confirmed.v1`. An order already settled stays
 * as it is: the saga's events may arrive late or twice.
 */
@injectable()
export class ConfirmOrderHandler implements EventHandler<EventData<typeof PaymentCapturedV1>> {
  constructor(@inject(OrderRepository) private readonly orders: OrderRepository) {}

  async handle(event: EventEnvelope<EventData<typeof PaymentCapturedV1>>, tx: Transaction): Promise<void> {
    const order = await this.orders.findById(tx.em, event.data.orderId);
    if (order && confirm(order, new Date()) && (await this.orders.saveSettlement(tx.em, order))) {
      tx.publish(OrderConfirmedV1, order.id, { orderId: order.id, userId: order.userId, total: order.total });
    }
  }
}
