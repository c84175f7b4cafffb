import { EntitySchema } from '@mikro-orm/core';
import type { Product } from '../domain/product.js';

export const ProductSchema = new EntitySchema<Product>({
  name: 'Product',
  tableName: 'product',
  properties: {
    id: { type: 'uuid', primary: true },
    sku: { type: 'string', length: 64, unique: true },
    name: { type: 'string', length: 200 },
    description: { type: 'text', nullable: true },
    price: { type: 'json' },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime' },
    version: { type: 'integer', version: true },
  },
});
