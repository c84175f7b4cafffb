import { inject, injectable } from 'tsyringe';
import type { Transaction } from '../../../kernel/events/unit-of-work.js';
import type { EventData } from '../../../kernel/events/event-contract.js';
import type { EventEnvelope } from '../../../kernel/events/event-envelope.js';
import type { EventHandler } from '../../../kernel/events/event-handler.js';
import type { PaymentCapturedV1 } from '../../payment/contracts/payment-captured.event.js';
import { settleReservation } from '../domain/stock.js';
import { StockRepository } from './stock-repository.port.js';

type PaymentCaptured = EventData<typeof PaymentCapturedV1>;

/** Paid for: the reserved units are sold. */
@injectable()
export class SellReservedStockHandler implements EventHandler<PaymentCaptured> {
  constructor(@inject(StockRepository) private readonly stock: StockRepository) {}

  async handle(event: EventEnvelope<PaymentCaptured>, tx: Transaction): Promise<void> {
    const reservation = await this.stock.findReservation(tx.em, event.data.orderId);
    if (!reservation || !settleReservation(reservation, 'committed', new Date())) return;
    if (!(await this.stock.saveSettlement(tx.em, reservation))) return;
    for (const line of reservation.lines) await this.stock.sell(tx.em, line);
  }
}
