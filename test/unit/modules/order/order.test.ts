import { describe, expect, it } from 'vitest';
import { OrderPricingError } from '../../../../src/modules/order/domain/order.errors.js';
import { cancel, confirm, priceLines, type KnownProduct, type Order } from '../../../../src/modules/order/domain/order.js';

const MUG = '01900000-0000-7000-8000-000000000001';
const PEN = '01900000-0000-7000-8000-000000000002';
const USD_CAP = '01900000-0000-7000-8000-000000000003';
const UNKNOWN = '01900000-0000-7000-8000-0000000000ff';
const CREATED = new Date('2026-01-01T00:00:00.000Z');
const NOW = new Date('2026-01-01T00:05:00.000Z');

const catalog = new Map<string, KnownProduct>([
  [MUG, { productId: MUG, sku: 'MUG-1', name: 'Mug', price: { amount: 1290, currency: 'EUR' } }],
  [PEN, { productId: PEN, sku: 'PEN-1', name: 'Pen', price: { amount: 250, currency: 'EUR' } }],
  [USD_CAP, { productId: USD_CAP, sku: 'CAP-1', name: 'Cap', price: { amount: 1500, currency: 'USD' } }],
]);

function anOrder(overrides: Partial<Order> = {}): Order {
  return {
    id: '01900000-0000-7000-8000-0000000000aa',
    userId: '01900000-0000-7000-8000-0000000000bb',
    status: 'pending',
    items: [{ productId: MUG, sku: 'MUG-1', quantity: 1, unitPrice: { amount: 1290, currency: 'EUR' } }],
    total: { amount: 1290, currency: 'EUR' },
    paymentMethod: 'pm_card_visa',
    cancelReason: null,
    idempotencyKey: null,
    requestHash: null,
    createdAt: CREATED,
    updatedAt: CREATED,
    ...overrides,
  };
}

describe('priceLines', () => {
  it('prices each line at the known price and totals them in minor units', () => {
    const { items, total } = priceLines(
      [
        { productId: MUG, quantity: 2 },
        { productId: PEN, quantity: 3 },
      ],
      catalog,
    );
    expect(items).toEqual([
      { productId: MUG, sku: 'MUG-1', quantity: 2, unitPrice: { amount: 1290, currency: 'EUR' } },
      { productId: PEN, sku: 'PEN-1', quantity: 3, unitPrice: { amount: 250, currency: 'EUR' } },
    ]);
    expect(total).toEqual({ amount: 3330, currency: 'EUR' });
  });

  it('keeps the order of the request', () => {
    const { items } = priceLines(
      [
        { productId: PEN, quantity: 1 },
        { productId: MUG, quantity: 1 },
      ],
      catalog,
    );
    expect(items.map((i) => i.sku)).toEqual(['PEN-1', 'MUG-1']);
  });

  it('copies prices, so a later change to the price list does not reprice the order', () => {
    const list = new Map([[MUG, structuredClone(catalog.get(MUG)!)]]);
    const { items } = priceLines([{ productId: MUG, quantity: 1 }], list);
    list.get(MUG)!.price.amount = 1;
    expect(items[0]!.unitPrice.amount).toBe(1290);
  });

  it('refuses unknown products, naming each of them', () => {
    let error: unknown;
    try {
      priceLines(
        [
          { productId: MUG, quantity: 1 },
          { productId: UNKNOWN, quantity: 1 },
        ],
        catalog,
      );
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(OrderPricingError);
    expect((error as Error).message).toContain(UNKNOWN);
    expect((error as Error).message).not.toContain(MUG);
  });

  it('refuses an order in more than one currency', () => {
    expect(() =>
      priceLines(
        [
          { productId: MUG, quantity: 1 },
          { productId: USD_CAP, quantity: 1 },
        ],
        catalog,
      ),
    ).toThrow(OrderPricingError);
  });

  it('totals a large order exactly (integer minor units)', () => {
    const { total } = priceLines([{ productId: MUG, quantity: 100 }], catalog);
    expect(total).toEqual({ amount: 129_000, currency: 'EUR' });
  });
});

describe('confirm', () => {
  it('confirms a pending order', () => {
    const order = anOrder();
    expect(confirm(order, NOW)).toBe(true);
    expect(order).toMatchObject({ status: 'confirmed', cancelReason: null, updatedAt: NOW });
  });

  it.each(['confirmed', 'cancelled'] as const)('leaves a %s order as it is', (status) => {
    const order = anOrder({ status, cancelReason: status === 'cancelled' ? 'out_of_stock' : null });
    const before = structuredClone(order);
    expect(confirm(order, NOW)).toBe(false);
    expect(order).toEqual(before);
  });
});

describe('cancel', () => {
  it.each(['out_of_stock', 'payment_declined', 'payment_unavailable'] as const)('cancels a pending order with reason %s', (reason) => {
    const order = anOrder();
    expect(cancel(order, reason, NOW)).toBe(true);
    expect(order).toMatchObject({ status: 'cancelled', cancelReason: reason, updatedAt: NOW });
  });

  it('never cancels a confirmed order (a late decline changes nothing)', () => {
    const order = anOrder({ status: 'confirmed' });
    expect(cancel(order, 'payment_declined', NOW)).toBe(false);
    expect(order).toMatchObject({ status: 'confirmed', cancelReason: null, updatedAt: CREATED });
  });

  it('keeps the first reason of a cancelled order', () => {
    const order = anOrder({ status: 'cancelled', cancelReason: 'out_of_stock' });
    expect(cancel(order, 'payment_declined', NOW)).toBe(false);
    expect(order.cancelReason).toBe('out_of_stock');
  });
});
