import { EntitySchema } from '@mikro-orm/core';
import type { Payment } from '../domain/payment.js';

export const PaymentSchema = new EntitySchema<Payment>({
  name: 'Payment',
  tableName: 'payment',
  properties: {
    id: { type: 'uuid', primary: true },
    orderId: { type: 'uuid', unique: true },
    userId: { type: 'uuid', index: true },
    amount: { type: 'json' },
    paymentMethod: { type: 'string', length: 100 },
    status: { type: 'string', length: 20 },
    providerReference: { type: 'string', length: 100, nullable: true },
    failureReason: { type: 'string', length: 100, nullable: true },
    createdAt: { type: 'datetime' },
  },
});
