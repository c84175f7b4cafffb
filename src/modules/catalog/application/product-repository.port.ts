import type { InjectionToken } from 'tsyringe';
import type { Transaction } from '../../../kernel/events/unit-of-work.js';
import type { Product } from '../domain/product.js';

export interface ProductPage {
  items: Product[];
  hasMore: boolean;
}

/** Products in this module's own database. */
export interface ProductRepository {
  findById(em: Transaction['em'], id: string): Promise<Product | null>;
  findBySku(em: Transaction['em'], sku: string): Promise<Product | null>;
  add(em: Transaction['em'], product: Product): void;
  /** Keyset page in id order; ids are UUIDv7, so this is creation order. */
  page(em: Transaction['em'], limit: number, after?: string): Promise<ProductPage>;
}

/** Injection token of the port; infrastructure registers the implementation. */
export const ProductRepository: InjectionToken<ProductRepository> = Symbol('ProductRepository');
