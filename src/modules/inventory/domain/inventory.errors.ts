import { DomainError } from '../../../kernel/errors/domain.error.js';

export class StockItemNotFoundError extends DomainError {
  readonly code = 'inventory.stock_item_not_found';
  readonly kind = 'not-found';

  constructor(sku: string) {
    super(`No stock record for SKU ${sku}.`);
  }
}
