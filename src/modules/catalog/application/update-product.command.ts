import { inject, injectable } from 'tsyringe';
import type { UnitOfWork } from '../../../kernel/events/unit-of-work.js';
import { TOKENS } from '../../../kernel/tokens.js';
import { ProductUpdatedV1 } from '../contracts/product-updated.event.js';
import { ProductNotFoundError } from '../domain/catalog.errors.js';
import { applyChanges, type Product, type ProductChanges } from '../domain/product.js';
import { ProductRepository } from './product-repository.port.js';
import { toSnapshot } from './product.view.js';

@injectable()
export class UpdateProductCommand {
  constructor(
    @inject(TOKENS.UnitOfWork) private readonly uow: UnitOfWork,
    @inject(ProductRepository) private readonly products: ProductRepository,
  ) {}

  /** Publishes `product.updated.v1` only when something really changed. */
  execute(id: string, changes: ProductChanges): Promise<Product> {
    return this.uow.run(async (tx) => {
      const product = await this.products.findById(tx.em, id);
      if (!product) throw new ProductNotFoundError(id);
      if (applyChanges(product, changes, new Date())) tx.publish(ProductUpdatedV1, product.id, toSnapshot(product));
      return product;
    });
  }
}
