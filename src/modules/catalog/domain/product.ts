import type { Money } from '../../../kernel/shared/money.js';

export interface Product {
  id: string;
  sku: string;
  name: string;
  description: string | null;
  price: Money;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export interface ProductChanges {
  name?: string;
  description?: string | null;
  price?: Money;
}

/** SKUs are compared case-insensitively, so they are stored in one case. */
export function normalizeSku(sku: string): string {
  return sku.trim().toUpperCase();
}

/** Applies a partial update; returns whether anything actually changed. */
export function applyChanges(product: Product, changes: ProductChanges, now: Date): boolean {
  let changed = false;
  if (changes.name !== undefined && changes.name !== product.name) {
    product.name = changes.name;
    changed = true;
  }
  if (changes.description !== undefined && changes.description !== product.description) {
    product.description = changes.description;
    changed = true;
  }
  if (changes.price && (changes.price.amount !== product.price.amount || changes.price.currency !== product.price.currency)) {
    product.price = { ...changes.price };
    changed = true;
  }
  if (changed) product.updatedAt = now;
  return changed;
}
