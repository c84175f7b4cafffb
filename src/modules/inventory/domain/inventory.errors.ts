import { NotFoundError } from '../../../kernel/http/http.errors.js';

export class StockItemNotFoundError extends NotFoundError {
  constructor(sku: string) {
    super(`No stock record for SKU ${sku}.`);
  }
}
