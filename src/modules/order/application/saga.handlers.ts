import { inject, injectable } from 'tsyringe';
import type { Transaction } from '../../../kernel/events/unit-of-work.js';
import type { EventData } from '../../../kernel/events/event-contract.js';
import type { EventEnvelope } from '../../../kernel/events/event-envelope.js';
import type { EventHandler } from '../../../kernel/events/event-handler.js';
import type { StockRejectedV1 } from '../../inventory/contracts/stock-rejected.event.js';
import type { PaymentCapturedV1 } from '../../payment/contracts/payment-captured.event.js';
import type { PaymentDeclinedV1 } from '../../payment/contracts/payment-declined.event.js';
import { OrderRepository } from './order-repository.port.js';
import { cancelOrder, confirmOrder } from './settle-order.js';

@injectable()
export class StockRejectedHandler implements EventHandler<EventData<typeof StockRejectedV1>> {
  constructor(@inject(OrderRepository) private readonly orders: OrderRepository) {}

  handle(event: EventEnvelope<EventData<typeof StockRejectedV1>>, tx: Transaction): Promise<void> {
    return cancelOrder(tx, this.orders, event.data.orderId, event.data.reason);
  }
}

@injectable()
export class PaymentCapturedHandler implements EventHandler<EventData<typeof PaymentCapturedV1>> {
  constructor(@inject(OrderRepository) private readonly orders: OrderRepository) {}

  handle(event: EventEnvelope<EventData<typeof PaymentCapturedV1>>, tx: Transaction): Promise<void> {
    return confirmOrder(tx, this.orders, event.data.orderId);
  }
}

@injectable()
export class PaymentDeclinedHandler implements EventHandler<EventData<typeof PaymentDeclinedV1>> {
  constructor(@inject(OrderRepository) private readonly orders: OrderRepository) {}

  handle(event: EventEnvelope<EventData<typeof PaymentDeclinedV1>>, tx: Transaction): Promise<void> {
    return cancelOrder(tx, this.orders, event.data.orderId, event.data.reason);
  }
}
