import 'reflect-metadata';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProductCreatedV1 } from '../../src/modules/catalog/contracts/product-created.event.js';
import { StockRejectedV1 } from '../../src/modules/inventory/contracts/stock-rejected.event.js';
import { StockReservedV1 } from '../../src/modules/inventory/contracts/stock-reserved.event.js';
import type { Reservation, StockItem } from '../../src/modules/inventory/domain/stock.js';
import { inventoryModule } from '../../src/modules/inventory/index.js';
import { ReservationSchema } from '../../src/modules/inventory/infrastructure/reservation.schema.js';
import { StockItemSchema } from '../../src/modules/inventory/infrastructure/stock-item.schema.js';
import { OrderCancelledV1 } from '../../src/modules/order/contracts/order-cancelled.event.js';
import { OrderPlacedV1 } from '../../src/modules/order/contracts/order-placed.event.js';
import { PaymentCapturedV1 } from '../../src/modules/payment/contracts/payment-captured.event.js';
import { httpClient, type HttpClient } from '../support/http-client.js';
import { startTestSystem, type TestSystem } from '../support/test-system.js';
import { waitFor } from '../support/wait-for.js';
import { Probe } from '../support/modules/probe.module.js';
import { quiesce } from '../support/modules/quiesce.js';
import { testTokens } from '../support/modules/test-tokens.js';

/** Inventory alone on the in-memory bus; a probe plays catalog, order and payment. */
describe('inventory module', () => {
  const probe = new Probe({
    publishes: [ProductCreatedV1, OrderPlacedV1, PaymentCapturedV1, OrderCancelledV1],
    records: [StockReservedV1, StockRejectedV1],
  });
  let sys: TestSystem;
  let http: HttpClient;
  let admin: string;
  const customer = uuidv7();

  beforeAll(async () => {
    const tokens = await testTokens();
    sys = await startTestSystem({ env: { MODULES: 'inventory,probe', EVENT_BUS: 'memory', ...tokens.env }, available: [inventoryModule, probe.module] });
    http = httpClient(sys.url);
    admin = await tokens.sign(uuidv7(), 'admin');
  });
  afterAll(() => sys?.stop());

  const orm = () => sys.system.modules.get('inventory')!.orm;
  const stockItem = (sku: string) => orm().em.fork().findOne(StockItemSchema, { sku }) as Promise<StockItem | null>;
  const reservation = (orderId: string) => orm().em.fork().findOne(ReservationSchema, { orderId }) as Promise<Reservation | null>;

  /** A product announced by "catalog", its stock record awaited, and optionally restocked over HTTP. */
  async function product(sku: string, units = 0, price = 1000): Promise<{ productId: string; sku: string; price: { amount: number; currency: string } }> {
    const productId = uuidv7();
    await probe.publish(ProductCreatedV1, productId, { productId, sku, name: `Product ${sku}`, description: null, price: { amount: price, currency: 'EUR' } });
    await waitFor(() => stockItem(sku), 5_000, `the stock record of ${sku}`);
    if (units > 0)
      expect((await http.post(`/api/v1/inventory/${sku}/restock`, { quantity: units }, { token: admin })).body).toEqual({ sku, available: units, reserved: 0 });
    return { productId, sku, price: { amount: price, currency: 'EUR' } };
  }

  function orderPlaced(lines: { product: Awaited<ReturnType<typeof product>>; quantity: number }[], paymentMethod = 'pm_card_visa') {
    const orderId = uuidv7();
    const items = lines.map(({ product: p, quantity }) => ({ productId: p.productId, sku: p.sku, quantity, unitPrice: p.price }));
    const total = { amount: items.reduce((sum, i) => sum + i.unitPrice.amount * i.quantity, 0), currency: 'EUR' };
    return { orderId, userId: customer, items, total, paymentMethod };
  }

  it('creates an empty stock record for a new product', async () => {
    const { productId } = await product('INV-NEW');
    expect(await stockItem('INV-NEW')).toMatchObject({ sku: 'INV-NEW', productId, available: 0, reserved: 0, sold: 0 });
    expect((await http.get('/api/v1/inventory/INV-NEW', { token: admin })).body).toEqual({ sku: 'INV-NEW', available: 0, reserved: 0 });
  });

  it('keeps one stock record when product.created arrives twice', async () => {
    const productId = uuidv7();
    const data = { productId, sku: 'INV-TWICE', name: 'Twice', description: null, price: { amount: 100, currency: 'EUR' } };
    await probe.publish(ProductCreatedV1, productId, data);
    await probe.publish(ProductCreatedV1, productId, data);
    await quiesce(sys.system);
    expect(await orm().em.fork().count(StockItemSchema, { sku: 'INV-TWICE' })).toBe(1);
  });

  it('reserves an order with stock and publishes stock.reserved with the amount and payment method', async () => {
    const mug = await product('INV-MUG', 10, 1290);
    const placed = orderPlaced([{ product: mug, quantity: 3 }], 'pm_card_mastercard');
    await probe.publish(OrderPlacedV1, placed.orderId, placed);

    const reserved = await probe.next(StockReservedV1, (d) => d.orderId === placed.orderId);
    expect(reserved).toMatchObject({ source: 'inventory', type: 'stock.reserved.v1', subject: placed.orderId, specversion: '1.0' });
    expect(reserved.data).toEqual({
      orderId: placed.orderId,
      userId: customer,
      lines: [{ sku: 'INV-MUG', quantity: 3 }],
      amount: { amount: 3870, currency: 'EUR' },
      paymentMethod: 'pm_card_mastercard',
    });
    expect(await stockItem('INV-MUG')).toMatchObject({ available: 7, reserved: 3, sold: 0 });
    expect(await reservation(placed.orderId)).toMatchObject({ status: 'reserved', lines: [{ sku: 'INV-MUG', quantity: 3 }] });
  });

  it('rejects an order without stock (stock.rejected, out_of_stock) and moves nothing', async () => {
    const empty = await product('INV-EMPTY');
    const placed = orderPlaced([{ product: empty, quantity: 1 }]);
    await probe.publish(OrderPlacedV1, placed.orderId, placed);

    const rejected = await probe.next(StockRejectedV1, (d) => d.orderId === placed.orderId);
    expect(rejected.subject).toBe(placed.orderId);
    expect(rejected.data).toEqual({ orderId: placed.orderId, userId: customer, reason: 'out_of_stock', skus: ['INV-EMPTY'] });
    expect(await stockItem('INV-EMPTY')).toMatchObject({ available: 0, reserved: 0, sold: 0 });
    expect(await reservation(placed.orderId)).toMatchObject({ status: 'rejected' });
  });

  it('reserves all lines or none', async () => {
    const plenty = await product('INV-PLENTY', 5);
    const scarce = await product('INV-SCARCE', 1);
    const placed = orderPlaced([
      { product: plenty, quantity: 2 },
      { product: scarce, quantity: 2 },
    ]);
    await probe.publish(OrderPlacedV1, placed.orderId, placed);

    const rejected = await probe.next(StockRejectedV1, (d) => d.orderId === placed.orderId);
    expect(rejected.data.skus).toEqual(['INV-SCARCE']);
    expect(await stockItem('INV-PLENTY')).toMatchObject({ available: 5, reserved: 0 });
    expect(await stockItem('INV-SCARCE')).toMatchObject({ available: 1, reserved: 0 });
    expect(probe.all(StockReservedV1, (d) => d.orderId === placed.orderId)).toEqual([]);
  });

  it('reserves once when order.placed is delivered twice (two event ids, one order)', async () => {
    const tea = await product('INV-TEA', 4);
    const placed = orderPlaced([{ product: tea, quantity: 3 }]);
    await probe.publish(OrderPlacedV1, placed.orderId, placed);
    await probe.publish(OrderPlacedV1, placed.orderId, placed);
    await quiesce(sys.system);

    expect(probe.all(StockReservedV1, (d) => d.orderId === placed.orderId)).toHaveLength(1);
    expect(probe.all(StockRejectedV1, (d) => d.orderId === placed.orderId)).toHaveLength(0);
    expect(await stockItem('INV-TEA')).toMatchObject({ available: 1, reserved: 3 });
  });

  it('sells the reserved units when the payment is captured (once, however often it arrives)', async () => {
    const pen = await product('INV-PEN', 5, 250);
    const placed = orderPlaced([{ product: pen, quantity: 2 }]);
    await probe.publish(OrderPlacedV1, placed.orderId, placed);
    await probe.next(StockReservedV1, (d) => d.orderId === placed.orderId);

    const captured = { paymentId: uuidv7(), orderId: placed.orderId, userId: customer, amount: placed.total };
    await probe.publish(PaymentCapturedV1, placed.orderId, captured);
    await probe.publish(PaymentCapturedV1, placed.orderId, captured);
    await waitFor(async () => (await reservation(placed.orderId))?.status === 'committed', 5_000, 'the reservation to be committed');
    await quiesce(sys.system);
    expect(await stockItem('INV-PEN')).toMatchObject({ available: 3, reserved: 0, sold: 2 });

    // A late cancellation of a paid order gives nothing back.
    await probe.publish(OrderCancelledV1, placed.orderId, { orderId: placed.orderId, userId: customer, reason: 'payment_declined' });
    await quiesce(sys.system);
    expect(await stockItem('INV-PEN')).toMatchObject({ available: 3, reserved: 0, sold: 2 });
    expect(await reservation(placed.orderId)).toMatchObject({ status: 'committed' });
  });

  it('releases the reserved units when the order is cancelled (once)', async () => {
    const cup = await product('INV-CUP', 5);
    const placed = orderPlaced([{ product: cup, quantity: 4 }]);
    await probe.publish(OrderPlacedV1, placed.orderId, placed);
    await probe.next(StockReservedV1, (d) => d.orderId === placed.orderId);
    expect(await stockItem('INV-CUP')).toMatchObject({ available: 1, reserved: 4 });

    const cancelled = { orderId: placed.orderId, userId: customer, reason: 'payment_declined' as const };
    await probe.publish(OrderCancelledV1, placed.orderId, cancelled);
    await probe.publish(OrderCancelledV1, placed.orderId, cancelled);
    await waitFor(async () => (await reservation(placed.orderId))?.status === 'released', 5_000, 'the reservation to be released');
    await quiesce(sys.system);
    expect(await stockItem('INV-CUP')).toMatchObject({ available: 5, reserved: 0, sold: 0 });
  });

  it('never oversells under concurrent orders', async () => {
    const lamp = await product('INV-LAMP', 5);
    const orders = Array.from({ length: 12 }, () => orderPlaced([{ product: lamp, quantity: 1 }]));
    await Promise.all(orders.map((o) => probe.publish(OrderPlacedV1, o.orderId, o)));
    await quiesce(sys.system);

    const ids = new Set(orders.map((o) => o.orderId));
    const reserved = probe.all(StockReservedV1, (d) => ids.has(d.orderId));
    const rejected = probe.all(StockRejectedV1, (d) => ids.has(d.orderId));
    expect(reserved).toHaveLength(5);
    expect(rejected).toHaveLength(7);
    expect(await stockItem('INV-LAMP')).toMatchObject({ available: 0, reserved: 5 });
  });

  it('answers 404 for an unknown SKU and 400 for a bad restock', async () => {
    expect((await http.get('/api/v1/inventory/NOPE-404', { token: admin })).status).toBe(404);
    expect((await http.post('/api/v1/inventory/NOPE-404/restock', { quantity: 1 }, { token: admin })).status).toBe(404);
    await product('INV-BAD');
    expect((await http.post('/api/v1/inventory/INV-BAD/restock', { quantity: 0 }, { token: admin })).status).toBe(400);
  });
});
