import type { Money } from '../../../kernel/shared/money.js';
import type { CancelReason } from '../contracts/order-cancelled.event.js';
import { OrderPricingError } from './order.errors.js';

export type OrderStatus = 'pending' | 'confirmed' | 'cancelled';

export interface OrderLine {
  productId: string;
  sku: string;
  quantity: number;
  unitPrice: Money;
}

export interface Order {
  id: string;
  userId: string;
  status: OrderStatus;
  items: OrderLine[];
  total: Money;
  paymentMethod: string;
  cancelReason: CancelReason | null;
  /** The client's Idempotency-Key, unique per customer, and a hash of the request it came with. */
  idempotencyKey: string | null;
  requestHash: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What the order module knows of a product, from catalog events. */
export interface KnownProduct {
  productId: string;
  sku: string;
  name: string;
  price: Money;
}

export interface RequestedLine {
  productId: string;
  quantity: number;
}

/** Prices the lines at today's prices; every product must be known and in one currency. */
export function priceLines(requested: readonly RequestedLine[], known: ReadonlyMap<string, KnownProduct>): { items: OrderLine[]; total: Money } {
  const unknown = requested.filter((l) => !known.has(l.productId)).map((l) => l.productId);
  if (unknown.length > 0) throw OrderPricingError.unknownProducts(unknown);
  const items = requested.map((l) => {
    const product = known.get(l.productId)!;
    return { productId: l.productId, sku: product.sku, quantity: l.quantity, unitPrice: { ...product.price } };
  });
  const currencies = new Set(items.map((i) => i.unitPrice.currency));
  if (currencies.size > 1) throw OrderPricingError.mixedCurrencies([...currencies]);
  const amount = items.reduce((sum, i) => sum + i.unitPrice.amount * i.quantity, 0);
  return { items, total: { amount, currency: items[0]!.unitPrice.currency } };
}

/** Settles a pending order; false when it was already settled (a late or repeated event). */
export function confirm(order: Order, now: Date): boolean {
  if (order.status !== 'pending') return false;
  order.status = 'confirmed';
  order.updatedAt = now;
  return true;
}

export function cancel(order: Order, reason: CancelReason, now: Date): boolean {
  if (order.status !== 'pending') return false;
  order.status = 'cancelled';
  order.cancelReason = reason;
  order.updatedAt = now;
  return true;
}
