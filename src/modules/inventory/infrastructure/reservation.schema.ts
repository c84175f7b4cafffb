import { EntitySchema } from '@mikro-orm/core';
import type { Reservation } from '../domain/stock.js';

export const ReservationSchema = new EntitySchema<Reservation>({
  name: 'Reservation',
  tableName: 'reservation',
  properties: {
    orderId: { type: 'uuid', primary: true },
    userId: { type: 'uuid' },
    status: { type: 'string', length: 20 },
    lines: { type: 'json' },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime' },
  },
});
