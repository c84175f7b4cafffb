import { inject, injectable } from 'tsyringe';
import type { UnitOfWork } from '../../../kernel/events/unit-of-work.js';
import { decodeCursor, nextCursor } from '../../../kernel/http/cursor.js';
import { TOKENS } from '../../../kernel/tokens.js';
import { ProductNotFoundError } from '../domain/catalog.errors.js';
import type { Product } from '../domain/product.js';
import { ProductRepository } from './product-repository.port.js';

@injectable()
export class ProductQueries {
  constructor(
    @inject(TOKENS.UnitOfWork) private readonly uow: UnitOfWork,
    @inject(ProductRepository) private readonly products: ProductRepository,
  ) {}

  async get(id: string): Promise<Product> {
    const product = await this.products.findById(this.uow.reader(), id);
    if (!product) throw new ProductNotFoundError(id);
    return product;
  }

  async list(limit: number, cursor?: string): Promise<{ items: Product[]; nextCursor: string | null }> {
    const page = await this.products.page(this.uow.reader(), limit, cursor ? decodeCursor(cursor) : undefined);
    return { items: page.items, nextCursor: nextCursor(page.items, page.hasMore) };
  }
}
