import { ConflictError, NotFoundError } from '../../../kernel/http/http.errors.js';

export class DuplicateSkuError extends ConflictError {
  constructor(sku: string) {
    super(`A product with SKU ${sku} already exists.`);
  }
}

export class ProductNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`No product ${id}.`);
  }
}
