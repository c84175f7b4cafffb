import { EntitySchema } from '@mikro-orm/core';
import type { Order } from '../domain/order.js';

export const OrderSchema = new EntitySchema<Order>({
  name: 'Order',
  tableName: 'customer_order',
  uniques: [{ properties: ['userId', 'idempotencyKey'] }],
  indexes: [{ properties: ['userId', 'id'] }],
  properties: {
    id: { type: 'uuid', primary: true },
    userId: { type: 'uuid' },
    status: { type: 'string', length: 20 },
    items: { type: 'json' },
    total: { type: 'json' },
    paymentMethod: { type: 'string', length: 100 },
    cancelReason: { type: 'string', length: 40, nullable: true },
    idempotencyKey: { type: 'string', length: 255, nullable: true },
    requestHash: { type: 'string', length: 64, nullable: true },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime' },
  },
});
