import { EntitySchema } from '@mikro-orm/core';
import type { StockItem } from '../domain/stock.js';

export const StockItemSchema = new EntitySchema<StockItem>({
  name: 'StockItem',
  tableName: 'stock_item',
  properties: {
    sku: { type: 'string', length: 64, primary: true },
    productId: { type: 'uuid', unique: true },
    available: { type: 'integer' },
    reserved: { type: 'integer' },
    sold: { type: 'integer' },
    updatedAt: { type: 'datetime' },
  },
});
