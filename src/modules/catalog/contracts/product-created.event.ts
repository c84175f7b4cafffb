import { z } from 'zod';
import { defineEvent } from '../../../kernel/events/event-contract.js';
import { MoneySchema } from '../../../kernel/shared/money.js';

export const ProductSnapshotSchema = z.object({
  productId: z.uuid(),
  sku: z.string().min(1),
  name: z.string().min(1),
  description: z.string().nullable(),
  price: MoneySchema,
});

/** A product entered the catalog; subject = productId. */
export const ProductCreatedV1 = defineEvent('product.created.v1', ProductSnapshotSchema.describe('A product entered the catalog. Subject = productId.'));
