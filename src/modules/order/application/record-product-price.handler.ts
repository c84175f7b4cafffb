import { inject, injectable } from 'tsyringe';
import type { Transaction } from '../../../kernel/events/unit-of-work.js';
import type { EventEnvelope } from '../../../kernel/events/event-envelope.js';
import type { EventHandler } from '../../../kernel/events/event-handler.js';
import type { ProductSnapshotSchema } from '../../catalog/contracts/product-created.event.js';
import type { z } from 'zod';
import { OrderRepository } from './order-repository.port.js';

type ProductSnapshot = z.infer<typeof ProductSnapshotSchema>;

/** Keeps the local price list in step with the catalog (created and updated carry the same snapshot). */
@injectable()
export class RecordProductPriceHandler implements EventHandler<ProductSnapshot> {
  constructor(@inject(OrderRepository) private readonly orders: OrderRepository) {}

  async handle(event: EventEnvelope<ProductSnapshot>, tx: Transaction): Promise<void> {
    const { productId, sku, name, price } = event.data;
    await this.orders.saveKnownProduct(tx.em, { productId, sku, name, price });
  }
}
