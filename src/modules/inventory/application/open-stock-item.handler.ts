import { inject, injectable } from 'tsyringe';
import type { Transaction } from '../../../kernel/events/unit-of-work.js';
import type { EventEnvelope } from '../../../kernel/events/event-envelope.js';
import type { EventHandler } from '../../../kernel/events/event-handler.js';
import type { EventData } from '../../../kernel/events/event-contract.js';
import type { ModuleEnvironment } from '../../../kernel/config/module-config.js';
import { TOKENS } from '../../../kernel/tokens.js';
import type { ProductCreatedV1 } from '../../catalog/contracts/product-created.event.js';
import { StockRepository } from './stock-repository.port.js';
import { DEMO_STOCK } from './demo-stock.data.js';

/** Every new product gets a stock record, empty (demo products in development excepted). */
@injectable()
export class OpenStockItemHandler implements EventHandler<EventData<typeof ProductCreatedV1>> {
  constructor(
    @inject(StockRepository) private readonly stock: StockRepository,
    @inject(TOKENS.ModuleEnvironment) private readonly environment: ModuleEnvironment,
  ) {}

  async handle(event: EventEnvelope<EventData<typeof ProductCreatedV1>>, tx: Transaction): Promise<void> {
    const initial = this.environment.seedDemoData ? (DEMO_STOCK[event.data.sku] ?? 0) : 0;
    await this.stock.addItemIfMissing(tx.em, event.data.sku, event.data.productId, initial);
  }
}
