import { inject, injectable } from 'tsyringe';
import type { UnitOfWork } from '../../../kernel/db/unit-of-work.js';
import { BadRequestError } from '../../../kernel/http/http.errors.js';
import { TOKENS } from '../../../kernel/tokens.js';
import { ProductNotFoundError } from '../domain/catalog.errors.js';
import type { Product } from '../domain/product.js';
import { ProductRepository } from '../infrastructure/product.repository.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Cursors are opaque to clients: the last id of a page, base64url-encoded. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ after: lastId })).toString('base64url');
}

export function decodeCursor(cursor: string): string {
  try {
    const { after } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof after === 'string' && UUID.test(after)) return after;
  } catch {
    // fall through: any undecodable cursor is the client's error
  }
  throw new BadRequestError('The cursor is not valid.', [{ path: 'query.cursor', message: 'Invalid cursor' }]);
}

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
    const last = page.items[page.items.length - 1];
    return { items: page.items, nextCursor: page.hasMore && last ? encodeCursor(last.id) : null };
  }
}
