import { z } from 'zod';
import { MoneySchema } from '../../../kernel/shared/money.js';
import { CancelReasonSchema } from '../contracts/order-cancelled.event.js';
import type { Order } from '../domain/order.js';

export const OrderView = z
  .object({
    id: z.uuid(),
    status: z.enum(['pending', 'confirmed', 'cancelled']),
    items: z.array(z.object({ productId: z.uuid(), sku: z.string(), quantity: z.number().int(), unitPrice: MoneySchema })),
    total: MoneySchema,
    paymentMethod: z.string(),
    cancelReason: CancelReasonSchema.optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Order' });
export type OrderView = z.infer<typeof OrderView>;

export function toOrderView(order: Order): OrderView {
  return {
    id: order.id,
    status: order.status,
    items: order.items.map((i) => ({ productId: i.productId, sku: i.sku, quantity: i.quantity, unitPrice: { ...i.unitPrice } })),
    total: { ...order.total },
    paymentMethod: order.paymentMethod,
    ...(order.cancelReason ? { cancelReason: order.cancelReason } : {}),
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}
