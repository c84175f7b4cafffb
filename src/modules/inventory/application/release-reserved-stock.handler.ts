import { inject, injectable } from 'tsyringe';
import type { Transaction } from '../../../kernel/events/unit-of-work.js';
import type { EventData } from '../../../kernel/events/event-contract.js';
import type { EventEnvelope } from '../../../kernel/events/event-envelope.js';
import type { EventHandler } from '../../../kernel/events/event-handler.js';
import type { OrderCancelledV1 } from '../../order/contracts/order-cancelled.event.js';
import { settleReservation } from '../domain/stock.js';
import { StockRepository } from './stock-repository.port.js';

type OrderCancelled = EventData<typeof OrderCancelledV1>;

/** A cancelled order gives its reserved units back. */
@injectable()
export class ReleaseReservedStockHandler implements EventHandler<OrderCancelled> {
  constructor(@inject(StockRepository) private readonly stock: StockRepository) {}

  async handle(event: EventEnvelope<OrderCancelled>, tx: Transaction): Promise<void> {
    const reservation = await this.stock.findReservation(tx.em, event.data.orderId);
    if (!reservation || !settleReservation(reservation, 'released', new Date())) return;
    if (!(await this.stock.saveSettlement(tx.em, reservation))) return;
    for (const line of reservation.lines) await this.stock.unreserve(tx.em, line);
  }
}
