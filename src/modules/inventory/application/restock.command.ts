import { inject, injectable } from 'tsyringe';
import type { UnitOfWork } from '../../../kernel/events/unit-of-work.js';
import { TOKENS } from '../../../kernel/tokens.js';
import { StockItemNotFoundError } from '../domain/inventory.errors.js';
import type { StockItem } from '../domain/stock.js';
import { StockRepository } from './stock-repository.port.js';

/** The one manual move of stock: an admin adds units of a SKU. */
@injectable()
export class RestockCommand {
  constructor(
    @inject(TOKENS.UnitOfWork) private readonly uow: UnitOfWork,
    @inject(StockRepository) private readonly stock: StockRepository,
  ) {}

  async execute(sku: string, quantity: number): Promise<StockItem> {
    return this.uow.run(async (tx) => {
      if (!(await this.stock.restock(tx.em, sku, quantity))) throw new StockItemNotFoundError(sku);
      return (await this.stock.findBySku(tx.em, sku))!;
    });
  }
}
