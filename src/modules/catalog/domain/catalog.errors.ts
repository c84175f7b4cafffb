import { DomainError } from '../../../kernel/errors/domain.error.js';

export class DuplicateSkuError extends DomainError {
  readonly code = 'catalog.duplicate_sku';
  readonly kind = 'conflict';

  constructor(sku: string) {
    super(`A product with SKU ${sku} already exists.`);
  }
}

export class ProductNotFoundError extends DomainError {
  readonly code = 'catalog.product_not_found';
  readonly kind = 'not-found';

  constructor(id: string) {
    super(`No product ${id}.`);
  }
}
