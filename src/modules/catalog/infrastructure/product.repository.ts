import type { EntityManager } from '@mikro-orm/core';
import type { Product } from '../domain/product.js';
import { ProductSchema } from './product.schema.js';
import type { ProductPage, ProductRepository } from '../application/product-repository.port.js';

/** Products in this module's own database. */
export class OrmProductRepository implements ProductRepository {
  findById(em: EntityManager, id: string): Promise<Product | null> {
    return em.findOne(ProductSchema, { id });
  }

  findBySku(em: EntityManager, sku: string): Promise<Product | null> {
    return em.findOne(ProductSchema, { sku });
  }

  add(em: EntityManager, product: Product): void {
    em.create(ProductSchema, product);
  }

  /** Keyset page in id order; ids are UUIDv7, so this is creation order. */
  async page(em: EntityManager, limit: number, after?: string): Promise<ProductPage> {
    const rows = await em.find(ProductSchema, after ? { id: { $gt: after } } : {}, { orderBy: { id: 'asc' }, limit: limit + 1 });
    return { items: rows.slice(0, limit), hasMore: rows.length > limit };
  }
}
