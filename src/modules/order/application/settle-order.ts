import type { Transaction } from '../../../kernel/events/unit-of-work.js';
import { OrderCancelledV1, type CancelReason } from '../contracts/order-cancelled.event.js';
import { OrderConfirmedV1 } from '../contracts/order-confirmed.event.js';
import { cancel, confirm } from '../domain/order.js';
import type { OrderRepository } from './order-repository.port.js';

/**
 * The two ways a pending order ends, each announced with its event. An order that is already
 * settled stays as it is: the saga's events may arrive late or twice.
 */
export async function confirmOrder(tx: Transaction, orders: OrderRepository, orderId: string): Promise<void> {
  const order = await orders.findById(tx.em, orderId);
  if (order && confirm(order, new Date())) {
    tx.publish(OrderConfirmedV1, order.id, { orderId: order.id, userId: order.userId, total: order.total });
  }
}

export async function cancelOrder(tx: Transaction, orders: OrderRepository, orderId: string, reason: CancelReason): Promise<void> {
  const order = await orders.findById(tx.em, orderId);
  if (order && cancel(order, reason, new Date())) {
    tx.publish(OrderCancelledV1, order.id, { orderId: order.id, userId: order.userId, reason });
  }
}
