import { inject, injectable } from 'tsyringe';
import type { UnitOfWork } from '../../../kernel/events/unit-of-work.js';
import { TOKENS } from '../../../kernel/tokens.js';
import { StockItemNotFoundError } from '../domain/inventory.errors.js';
import type { StockItem } from '../domain/stock.js';
import { StockRepository } from './stock-repository.port.js';

/** The admin's view of stock. */
@injectable()
export class StockQueries {
  constructor(
    @inject(TOKENS.UnitOfWork) private readonly uow: UnitOfWork,
    @inject(StockRepository) private readonly stock: StockRepository,
  ) {}

  async get(sku: string): Promise<StockItem> {
    const item = await this.stock.findBySku(this.uow.reader(), sku);
    if (!item) throw new StockItemNotFoundError(sku);
    return item;
  }
}
