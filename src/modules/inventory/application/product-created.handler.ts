import { inject, injectable } from 'tsyringe';
import type { Transaction } from '../../../kernel/db/unit-of-work.js';
import type { EventEnvelope } from '../../../kernel/events/event-envelope.js';
import type { EventHandler } from '../../../kernel/events/event-handler.js';
import type { EventData } from '../../../kernel/events/event-contract.js';
import type { ProductCreatedV1 } from '../../catalog/contracts/product-created.event.js';
import { StockRepository } from '../infrastructure/stock.repository.js';

/** Every new product gets a stock record with nothing in it, ready to be restocked. */
@injectable()
export class ProductCreatedHandler implements EventHandler<EventData<typeof ProductCreatedV1>> {
  constructor(@inject(StockRepository) private readonly stock: StockRepository) {}

  async handle(event: EventEnvelope<EventData<typeof ProductCreatedV1>>, tx: Transaction): Promise<void> {
    await this.stock.addItemIfMissing(tx.em, event.data.sku, event.data.productId);
  }
}
