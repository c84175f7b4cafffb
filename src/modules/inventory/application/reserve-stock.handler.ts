import { inject, injectable } from 'tsyringe';
import type { Transaction } from '../../../kernel/events/unit-of-work.js';
import type { EventData } from '../../../kernel/events/event-contract.js';
import type { EventEnvelope } from '../../../kernel/events/event-envelope.js';
import type { EventHandler } from '../../../kernel/events/event-handler.js';
import type { OrderPlacedV1 } from '../../order/contracts/order-placed.event.js';
import { StockRejectedV1 } from '../contracts/stock-rejected.event.js';
import { StockReservedV1 } from '../contracts/stock-reserved.event.js';
import { planReservation, type ReservationLine } from '../domain/stock.js';
import { StockRepository } from './stock-repository.port.js';

type OrderPlaced = EventData<typeof OrderPlacedV1>;

/** Reserves every line of the order, or none: a line that cannot be reserved undoes the others. */
@injectable()
export class ReserveStockHandler implements EventHandler<OrderPlaced> {
  constructor(@inject(StockRepository) private readonly stock: StockRepository) {}

  async handle(event: EventEnvelope<OrderPlaced>, tx: Transaction): Promise<void> {
    const { orderId, userId } = event.data;
    if (await this.stock.findReservation(tx.em, orderId)) return;
    const lines = planReservation(event.data.items);
    const reserved: ReservationLine[] = [];
    const missing: string[] = [];
    for (const line of lines) {
      if (await this.stock.reserve(tx.em, line)) reserved.push(line);
      else missing.push(line.sku);
    }
    const now = new Date();
    if (missing.length > 0) {
      for (const line of reserved) await this.stock.unreserve(tx.em, line);
      await this.stock.addReservation(tx.em, { orderId, userId, status: 'rejected', lines, createdAt: now, updatedAt: now });
      tx.publish(StockRejectedV1, orderId, { orderId, userId, reason: 'out_of_stock', skus: missing });
      return;
    }
    await this.stock.addReservation(tx.em, { orderId, userId, status: 'reserved', lines, createdAt: now, updatedAt: now });
    tx.publish(StockReservedV1, orderId, {
      orderId,
      userId,
      lines,
      amount: event.data.total,
      paymentMethod: event.data.paymentMethod,
    });
  }
}
