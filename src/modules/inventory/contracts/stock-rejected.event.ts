import { z } from 'zod';
import { defineEvent } from '../../../kernel/events/event-contract.js';

/** Not every line could be reserved, so none was. Subject = orderId. */
export const StockRejectedV1 = defineEvent(
  'stock.rejected.v1',
  z
    .object({ orderId: z.uuid(), userId: z.uuid(), reason: z.literal('out_of_stock'), skus: z.array(z.string()) })
    .describe('Not every line of the order could be reserved, so none was. Subject = orderId.'),
);
