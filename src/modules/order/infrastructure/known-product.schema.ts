import { EntitySchema } from '@mikro-orm/core';
import type { KnownProduct } from '../domain/order.js';

/** The order module's own copy of product prices, fed by catalog events. */
export const KnownProductSchema = new EntitySchema<KnownProduct>({
  name: 'KnownProduct',
  tableName: 'known_product',
  properties: {
    productId: { type: 'uuid', primary: true },
    sku: { type: 'string', length: 64 },
    name: { type: 'string', length: 200 },
    price: { type: 'json' },
  },
});
