import { z } from 'zod';
import { MoneySchema } from '../../../kernel/shared/money.js';
import type { Product } from '../domain/product.js';

export const ProductView = z
  .object({
    id: z.uuid(),
    sku: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    price: MoneySchema,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Product' });
export type ProductView = z.infer<typeof ProductView>;

export function toProductView(p: Product): ProductView {
  return {
    id: p.id,
    sku: p.sku,
    name: p.name,
    description: p.description,
    price: { amount: p.price.amount, currency: p.price.currency },
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

export function toSnapshot(p: Product) {
  return { productId: p.id, sku: p.sku, name: p.name, description: p.description, price: { ...p.price } };
}
