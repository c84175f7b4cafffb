import { inject, injectable } from 'tsyringe';
import { newId } from '../../../kernel/ids/id.generator.js';
import { isUniqueViolation } from '../../../kernel/db/unique-violation.js';
import type { UnitOfWork } from '../../../kernel/events/unit-of-work.js';
import { TOKENS } from '../../../kernel/tokens.js';
import type { Money } from '../../../kernel/shared/money.js';
import { ProductCreatedV1 } from '../contracts/product-created.event.js';
import { DuplicateSkuError } from '../domain/catalog.errors.js';
import { normalizeSku, type Product } from '../domain/product.js';
import { ProductRepository } from './product-repository.port.js';
import { toSnapshot } from './product.view.js';

export interface CreateProductInput {
  sku: string;
  name: string;
  description?: string | null;
  price: Money;
}

@injectable()
export class CreateProductCommand {
  constructor(
    @inject(TOKENS.UnitOfWork) private readonly uow: UnitOfWork,
    @inject(ProductRepository) private readonly products: ProductRepository,
  ) {}

  async execute(command: CreateProductInput): Promise<Product> {
    const sku = normalizeSku(command.sku);
    try {
      return await this.uow.run(async (tx) => {
        if (await this.products.findBySku(tx.em, sku)) throw new DuplicateSkuError(sku);
        const now = new Date();
        const product: Product = {
          id: newId(),
          sku,
          name: command.name,
          description: command.description ?? null,
          price: { ...command.price },
          createdAt: now,
          updatedAt: now,
          version: 1,
        };
        this.products.add(tx.em, product);
        tx.publish(ProductCreatedV1, product.id, toSnapshot(product));
        return product;
      });
    } catch (err) {
      // Two creations of one SKU raced past the check; the database kept one.
      if (isUniqueViolation(err)) throw new DuplicateSkuError(sku);
      throw err;
    }
  }
}
