import { defineEvent } from '../../../kernel/events/event-contract.js';
import { ProductSnapshotSchema } from './product-created.event.js';

/** A product's name, description or price changed; carries the whole new state. Subject = productId. */
export const ProductUpdatedV1 = defineEvent(
  'product.updated.v1',
  ProductSnapshotSchema.describe("A product's name, description or price changed; carries the whole new state. Subject = productId."),
);
