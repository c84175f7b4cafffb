import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient, type HttpClient } from '../../support/http-client.js';
import { ADMIN, useTestSystem } from '../../support/test-system.js';
import { expectNoServerErrors } from '../../support/assertions.js';
import { customerEmail, Shop } from '../../support/saga-helpers.js';

/** The whole saga in one process, through HTTP: order → stock → payment → settled order → stock. */
describe('order saga (all modules, in process)', () => {
  const sys = useTestSystem();
  let http: HttpClient;
  let shop: Shop;
  let customer: { id: string; token: string };

  beforeAll(async () => {
    http = httpClient(sys.url);
    shop = new Shop(sys.system, http, await http.token(ADMIN.email, ADMIN.password));
    customer = await http.signUp(customerEmail());
  });
  afterAll(async () => {
    await expectNoServerErrors(http);
  });

  it('confirms a paid order: one captured payment of the total, stock sold', async () => {
    const mug = await shop.product('SAGA-MUG', 1290, 10);
    const pen = await shop.product('SAGA-PEN', 250, 10);
    expect(await shop.stock(mug.sku)).toEqual({ available: 10, reserved: 0, sold: 0 });

    const order = await shop.placeOrder(customer.token, [
      { productId: mug.id, quantity: 2 },
      { productId: pen.id, quantity: 4 },
    ]);
    expect(order).toMatchObject({
      items: [
        { productId: mug.id, sku: 'SAGA-MUG', quantity: 2, unitPrice: { amount: 1290, currency: 'EUR' } },
        { productId: pen.id, sku: 'SAGA-PEN', quantity: 4, unitPrice: { amount: 250, currency: 'EUR' } },
      ],
      total: { amount: 3580, currency: 'EUR' },
      paymentMethod: 'pm_card_visa',
    });

    const settled = await shop.settled(customer.token, order.id);
    expect(settled).toMatchObject({ id: order.id, status: 'confirmed', total: { amount: 3580, currency: 'EUR' } });
    expect(settled.cancelReason).toBeUndefined();

    const payments = await http.get(`/api/v1/payments?orderId=${order.id}`, { token: customer.token });
    expect(payments.body).toEqual([
      { id: expect.any(String), orderId: order.id, amount: { amount: 3580, currency: 'EUR' }, status: 'captured', createdAt: expect.any(String) },
    ]);

    await shop.quiesce();
    expect(await shop.stock(mug.sku)).toEqual({ available: 8, reserved: 0, sold: 2 });
    expect(await shop.stock(pen.sku)).toEqual({ available: 6, reserved: 0, sold: 4 });
  });

  it('cancels an order it cannot fill (out_of_stock), charging nothing and moving no stock', async () => {
    const lamp = await shop.product('SAGA-LAMP', 4500, 1);
    const order = await shop.placeOrder(customer.token, [{ productId: lamp.id, quantity: 2 }]);

    expect(await shop.settled(customer.token, order.id)).toMatchObject({ status: 'cancelled', cancelReason: 'out_of_stock' });
    expect((await http.get(`/api/v1/payments?orderId=${order.id}`, { token: customer.token })).body).toEqual([]);
    await shop.quiesce();
    expect(await shop.stock(lamp.sku)).toEqual({ available: 1, reserved: 0, sold: 0 });
  });

  it('cancels an order whose card is declined (payment_declined) and releases its stock', async () => {
    const cup = await shop.product('SAGA-CUP', 800, 3);
    const order = await shop.placeOrder(customer.token, [{ productId: cup.id, quantity: 2 }], 'pm_card_chargeDeclined');

    expect(await shop.settled(customer.token, order.id)).toMatchObject({ status: 'cancelled', cancelReason: 'payment_declined' });
    expect((await http.get(`/api/v1/payments?orderId=${order.id}`, { token: customer.token })).body).toEqual([
      expect.objectContaining({ orderId: order.id, amount: { amount: 1600, currency: 'EUR' }, status: 'declined' }),
    ]);
    await shop.quiesce();
    expect(await shop.stock(cup.sku)).toEqual({ available: 3, reserved: 0, sold: 0 });
  });

  it('cancels an order when the payment provider is unavailable (payment_unavailable) and releases its stock', async () => {
    const bowl = await shop.product('SAGA-BOWL', 1500, 2);
    const order = await shop.placeOrder(customer.token, [{ productId: bowl.id, quantity: 2 }], 'pm_sandbox_unavailable');

    expect(await shop.settled(customer.token, order.id)).toMatchObject({ status: 'cancelled', cancelReason: 'payment_unavailable' });
    expect((await http.get(`/api/v1/payments?orderId=${order.id}`, { token: customer.token })).body).toEqual([expect.objectContaining({ status: 'failed' })]);
    await shop.quiesce();
    expect(await shop.stock(bowl.sku)).toEqual({ available: 2, reserved: 0, sold: 0 });
  });

  it('sells exactly the stock there is when 20 orders race for 5 units', async () => {
    const rare = await shop.product('SAGA-RARE', 9900, 5);
    const buyers = await Promise.all(Array.from({ length: 4 }, () => http.signUp(customerEmail('racer'))));
    const placed = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const buyer = buyers[i % buyers.length]!;
        const order = await shop.placeOrder(buyer.token, [{ productId: rare.id, quantity: 1 }]);
        return { buyer, order };
      }),
    );
    const settled = await Promise.all(placed.map(({ buyer, order }) => shop.settled(buyer.token, order.id, 20_000)));

    const confirmed = settled.filter((o) => o.status === 'confirmed');
    const cancelled = settled.filter((o) => o.status === 'cancelled');
    expect(confirmed).toHaveLength(5);
    expect(cancelled).toHaveLength(15);
    expect(cancelled.every((o) => o.cancelReason === 'out_of_stock')).toBe(true);

    await shop.quiesce();
    expect(await shop.stock(rare.sku)).toEqual({ available: 0, reserved: 0, sold: 5 });
    for (const o of confirmed)
      expect(await shop.payments(o.id)).toEqual([expect.objectContaining({ status: 'captured', amount: { amount: 9900, currency: 'EUR' } })]);
    for (const o of cancelled) expect(await shop.payments(o.id)).toEqual([]);
  });
});
