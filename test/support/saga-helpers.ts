import { expect } from 'vitest';
import type { StockItem } from '../../src/modules/inventory/domain/stock.js';
import { StockItemSchema } from '../../src/modules/inventory/infrastructure/stock-item.schema.js';
import type { Order } from '../../src/modules/order/domain/order.js';
import { OrderSchema } from '../../src/modules/order/infrastructure/order.schema.js';
import type { Payment } from '../../src/modules/payment/domain/payment.js';
import { PaymentSchema } from '../../src/modules/payment/infrastructure/payment.schema.js';
import type { System } from '../../src/runtimes/system.factory.js';
import { quiesce } from './modules/quiesce.js';
import type { HttpClient } from './http-client.js';
import { waitFor } from './wait-for.js';
import type { OrderBody } from './api-types.js';
export type { OrderBody };

export interface CreatedProduct {
  id: string;
  sku: string;
  price: { amount: number; currency: string };
}

/** Test data in one place: what a saga test does through HTTP, and what it reads from each module. */
export class Shop {
  constructor(
    readonly system: System,
    readonly http: HttpClient,
    readonly admin: string,
  ) {}

  /** A product created through the catalog, known to order and inventory, and restocked. */
  async product(sku: string, amount: number, units = 0): Promise<CreatedProduct> {
    const res = await this.http.post('/api/v1/products', { sku, name: `Product ${sku}`, price: { amount, currency: 'EUR' } }, { token: this.admin });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    // product.created reached inventory (stock record) and order (price list).
    await quiesce(this.system);
    if (units > 0) await this.restock(res.body.sku, units);
    return { id: res.body.id, sku: res.body.sku, price: res.body.price };
  }

  async restock(sku: string, quantity: number): Promise<void> {
    const res = await this.http.post(`/api/v1/inventory/${sku}/restock`, { quantity }, { token: this.admin });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }

  async placeOrder(
    token: string,
    items: { productId: string; quantity: number }[],
    paymentMethod = 'pm_card_visa',
    headers: Record<string, string> = {},
  ): Promise<OrderBody> {
    const res = await this.http.post<OrderBody>('/api/v1/orders', { items, paymentMethod }, { token, headers });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.status).toBe('pending');
    return res.body;
  }

  /** Polls the order (as its owner) until it is no longer pending. */
  async settled(token: string, orderId: string, timeoutMs = 10_000): Promise<OrderBody> {
    return waitFor(
      async () => {
        const res = await this.http.get<OrderBody>(`/api/v1/orders/${orderId}`, { token });
        expect(res.status).toBe(200);
        return res.body.status !== 'pending' && res.body;
      },
      timeoutMs,
      `order ${orderId} to settle`,
    );
  }

  /** Stock as the admin sees it (available, reserved) plus what only the database shows (sold). */
  async stock(sku: string): Promise<{ available: number; reserved: number; sold: number }> {
    const res = await this.http.get(`/api/v1/inventory/${sku}`, { token: this.admin });
    expect(res.status).toBe(200);
    const item = (await this.system.modules.get('inventory')!.orm.em.fork().findOne(StockItemSchema, { sku })) as StockItem;
    expect({ available: item.available, reserved: item.reserved }).toEqual({ available: res.body.available, reserved: res.body.reserved });
    return { available: item.available, reserved: item.reserved, sold: item.sold };
  }

  payments(orderId?: string): Promise<Payment[]> {
    return this.system.modules
      .get('payment')!
      .orm.em.fork()
      .find(PaymentSchema, orderId ? { orderId } : {}) as Promise<Payment[]>;
  }

  orders(): Promise<Order[]> {
    return this.system.modules.get('order')!.orm.em.fork().find(OrderSchema, {}) as Promise<Order[]>;
  }

  quiesce(): Promise<void> {
    return quiesce(this.system);
  }
}

let customers = 0;
/** A unique customer email per call (systems are shared across the tests of a file). */
export function customerEmail(prefix = 'customer'): string {
  customers += 1;
  return `${prefix}-${process.pid}-${customers}@mercato.test`;
}
