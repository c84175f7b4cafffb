import { inject, injectable } from 'tsyringe';
import type { UnitOfWork } from '../../../kernel/events/unit-of-work.js';
import { TOKENS } from '../../../kernel/tokens.js';
import { StockItemNotFoundError } from '../domain/inventory.errors.js';
import type { StockItem } from '../domain/stock.js';
import { StockRepository } from './stock-repository.port.js';

/** The admin's view of stock and the one manual move: restocking. */
@injectable()
export class StockService {
  constructor(
    @inject(TOKENS.UnitOfWork) private readonly uow: UnitOfWork,
    @inject(StockRepository) private readonly stock: StockRepository,
  ) {}

  async get(sku: string): Promise<StockItem> {
    const item = await this.stock.findBySku(this.uow.reader(), sku);
    if (!item) throw new StockItemNotFoundError(sku);
    return item;
  }

  async restock(sku: string, quantity: number): Promise<StockItem> {
    return this.uow.run(async (tx) => {
      if (!(await this.stock.restock(tx.em, sku, quantity))) throw new StockItemNotFoundError(sku);
      return (await this.stock.findBySku(tx.em, sku))!;
    });
  }
}
