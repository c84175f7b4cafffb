import 'reflect-metadata';
import { v7 as uuidv7 } from 'uuid';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProductCreatedV1 } from '../../src/modules/catalog/contracts/product-created.event.js';
import { ProductUpdatedV1 } from '../../src/modules/catalog/contracts/product-updated.event.js';
import { StockRejectedV1 } from '../../src/modules/inventory/contracts/stock-rejected.event.js';
import { OrderCancelledV1 } from '../../src/modules/order/contracts/order-cancelled.event.js';
import { OrderConfirmedV1 } from '../../src/modules/order/contracts/order-confirmed.event.js';
import { OrderPlacedV1 } from '../../src/modules/order/contracts/order-placed.event.js';
import { orderModule } from '../../src/modules/order/index.js';
import { KnownProductSchema } from '../../src/modules/order/infrastructure/known-product.schema.js';
import { PaymentCapturedV1 } from '../../src/modules/payment/contracts/payment-captured.event.js';
import { PaymentDeclinedV1 } from '../../src/modules/payment/contracts/payment-declined.event.js';
import { httpClient, type HttpClient } from '../support/http-client.js';
import { useTestSystem } from '../support/test-system.js';
import { waitFor } from '../support/wait-for.js';
import { Probe } from '../support/modules/probe.module.js';
import { quiesce } from '../support/modules/quiesce.js';
import { testTokens, type TestTokens } from '../support/modules/test-tokens.js';

/** Order alone on the in-memory bus; a probe plays catalog, inventory and payment. */
describe('order module', () => {
  const probe = new Probe({
    publishes: [ProductCreatedV1, ProductUpdatedV1, StockRejectedV1, PaymentCapturedV1, PaymentDeclinedV1],
    records: [OrderPlacedV1, OrderConfirmedV1, OrderCancelledV1],
  });
  let tokens: TestTokens;
  const sys = useTestSystem(async () => {
    tokens = await testTokens();
    return { env: { MODULES: 'order,probe', EVENT_BUS: 'memory', ...tokens.env }, available: [orderModule, probe.module] };
  });
  let http: HttpClient;
  let customer: { id: string; token: string };

  beforeAll(async () => {
    http = httpClient(sys.url);
    customer = await tokens.customer();
  });

  const knownProduct = (productId: string) => sys.system.modules.get('order')!.orm.em.fork().findOne(KnownProductSchema, { productId });

  /** A product announced by "catalog", awaited in order's price list. */
  async function product(sku: string, amount: number) {
    const productId = uuidv7();
    const snapshot = { productId, sku, name: `Product ${sku}`, description: null, price: { amount, currency: 'EUR' } };
    await probe.publish(ProductCreatedV1, productId, snapshot);
    await waitFor(() => knownProduct(productId), 5_000, `order to know ${sku}`);
    return snapshot;
  }

  async function placeOrder(items: { productId: string; quantity: number }[], paymentMethod = 'pm_card_visa') {
    const res = await http.post('/api/v1/orders', { items, paymentMethod }, { token: customer.token });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return res.body as { id: string; status: string; total: { amount: number; currency: string } };
  }

  const status = async (id: string) => (await http.get(`/api/v1/orders/${id}`, { token: customer.token })).body as { status: string; cancelReason?: string };

  it('places a pending order priced from catalog events and publishes order.placed', async () => {
    const mug = await product('ORD-MUG', 1290);
    const pen = await product('ORD-PEN', 250);
    const order = await placeOrder(
      [
        { productId: mug.productId, quantity: 2 },
        { productId: pen.productId, quantity: 3 },
      ],
      'pm_card_mastercard',
    );
    expect(order).toMatchObject({ status: 'pending', total: { amount: 3330, currency: 'EUR' } });

    const placed = await probe.next(OrderPlacedV1, (d) => d.orderId === order.id);
    expect(placed).toMatchObject({ source: 'order', subject: order.id });
    expect(placed.data).toEqual({
      orderId: order.id,
      userId: customer.id,
      items: [
        { productId: mug.productId, sku: 'ORD-MUG', quantity: 2, unitPrice: { amount: 1290, currency: 'EUR' } },
        { productId: pen.productId, sku: 'ORD-PEN', quantity: 3, unitPrice: { amount: 250, currency: 'EUR' } },
      ],
      total: { amount: 3330, currency: 'EUR' },
      paymentMethod: 'pm_card_mastercard',
    });
  });

  it('confirms the order on payment.captured and publishes order.confirmed (once)', async () => {
    const tea = await product('ORD-TEA', 500);
    const order = await placeOrder([{ productId: tea.productId, quantity: 1 }]);
    await probe.next(OrderPlacedV1, (d) => d.orderId === order.id);

    const captured = { paymentId: uuidv7(), orderId: order.id, userId: customer.id, amount: order.total };
    await probe.publish(PaymentCapturedV1, order.id, captured);
    const confirmed = await probe.next(OrderConfirmedV1, (d) => d.orderId === order.id);
    expect(confirmed.data).toEqual({ orderId: order.id, userId: customer.id, total: { amount: 500, currency: 'EUR' } });
    expect(await status(order.id)).toMatchObject({ status: 'confirmed' });

    // Late or repeated saga events change nothing.
    await probe.publish(PaymentCapturedV1, order.id, captured);
    await probe.publish(StockRejectedV1, order.id, { orderId: order.id, userId: customer.id, reason: 'out_of_stock', skus: ['ORD-TEA'] });
    await quiesce(sys.system);
    expect(probe.all(OrderConfirmedV1, (d) => d.orderId === order.id)).toHaveLength(1);
    expect(probe.all(OrderCancelledV1, (d) => d.orderId === order.id)).toHaveLength(0);
    expect(await status(order.id)).toMatchObject({ status: 'confirmed' });
  });

  it.each([
    ['stock.rejected', 'out_of_stock'],
    ['payment.declined', 'payment_declined'],
    ['payment.declined', 'payment_unavailable'],
  ] as const)('cancels the order on %s (%s) and publishes order.cancelled', async (event, reason) => {
    const cup = await product(`ORD-CUP-${reason}`, 800);
    const order = await placeOrder([{ productId: cup.productId, quantity: 1 }]);
    await probe.next(OrderPlacedV1, (d) => d.orderId === order.id);

    if (event === 'stock.rejected') {
      await probe.publish(StockRejectedV1, order.id, { orderId: order.id, userId: customer.id, reason: 'out_of_stock', skus: [cup.sku] });
    } else {
      await probe.publish(PaymentDeclinedV1, order.id, {
        paymentId: uuidv7(),
        orderId: order.id,
        userId: customer.id,
        amount: order.total,
        reason: reason as 'payment_declined',
      });
    }
    const cancelled = await probe.next(OrderCancelledV1, (d) => d.orderId === order.id);
    expect(cancelled.data).toEqual({ orderId: order.id, userId: customer.id, reason });
    expect(await status(order.id)).toMatchObject({ status: 'cancelled', cancelReason: reason });
  });

  it('prices new orders at the updated price', async () => {
    const lamp = await product('ORD-LAMP', 1000);
    await probe.publish(ProductUpdatedV1, lamp.productId, { ...lamp, price: { amount: 1200, currency: 'EUR' } });
    await waitFor(async () => (await knownProduct(lamp.productId))?.price.amount === 1200, 5_000, 'the new price');
    const order = await placeOrder([{ productId: lamp.productId, quantity: 2 }]);
    expect(order.total).toEqual({ amount: 2400, currency: 'EUR' });
  });

  it('refuses an unknown product with 422 and publishes nothing for it', async () => {
    const res = await http.post('/api/v1/orders', { items: [{ productId: uuidv7(), quantity: 1 }], paymentMethod: 'pm_card_visa' }, { token: customer.token });
    expect(res.status).toBe(422);
  });
});
