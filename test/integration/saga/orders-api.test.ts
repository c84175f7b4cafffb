import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient, type HttpClient } from '../../support/http-client.js';
import { ADMIN, useTestSystem } from '../../support/test-system.js';
import { expectFieldErrors, expectNoServerErrors, expectProblem } from '../../support/assertions.js';
import { customerEmail, Shop, type CreatedProduct, type OrderBody } from '../../support/saga-helpers.js';

/** The orders and payments API around the saga: idempotency, validation, who sees what. */
describe('orders API (all modules, in process)', () => {
  const sys = useTestSystem();
  let http: HttpClient;
  let shop: Shop;
  let admin: string;
  let alice: { id: string; token: string };
  let bob: { id: string; token: string };
  let mug: CreatedProduct;

  beforeAll(async () => {
    http = httpClient(sys.url);
    admin = await http.token(ADMIN.email, ADMIN.password);
    shop = new Shop(sys.system, http, admin);
    [alice, bob] = await Promise.all([http.signUp(customerEmail('alice')), http.signUp(customerEmail('bob'))]);
    mug = await shop.product('API-MUG', 1000, 100);
  });
  afterAll(async () => {
    await expectNoServerErrors(http);
  });

  const post = (body: unknown, token = alice.token, headers: Record<string, string> = {}) => http.post<OrderBody>('/api/v1/orders', body, { token, headers });

  describe('Idempotency-Key', () => {
    it('answers a repeated request with the same order, and places it once', async () => {
      const key = `key-${uuidv7()}`;
      const body = { items: [{ productId: mug.id, quantity: 1 }], paymentMethod: 'pm_card_visa' };
      const first = await post(body, alice.token, { 'Idempotency-Key': key });
      expect(first.status).toBe(202);
      const again = await post(body, alice.token, { 'Idempotency-Key': key });
      expect(again.status).toBe(202);
      expect(again.body.id).toBe(first.body.id);

      // Even when the repeats race each other.
      const raced = await Promise.all(Array.from({ length: 5 }, () => post(body, alice.token, { 'Idempotency-Key': key })));
      expect(raced.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
      expect(new Set(raced.map((r) => r.body.id))).toEqual(new Set([first.body.id]));

      await shop.settled(alice.token, first.body.id);
      await shop.quiesce();
      expect((await shop.orders()).filter((o) => o.idempotencyKey === key)).toHaveLength(1);
      expect(await shop.payments(first.body.id)).toHaveLength(1);
    });

    it('answers 422 for the same key with a different body', async () => {
      const key = `key-${uuidv7()}`;
      expect((await post({ items: [{ productId: mug.id, quantity: 1 }], paymentMethod: 'pm_card_visa' }, alice.token, { 'Idempotency-Key': key })).status).toBe(
        202,
      );
      expectProblem(await post({ items: [{ productId: mug.id, quantity: 2 }], paymentMethod: 'pm_card_visa' }, alice.token, { 'Idempotency-Key': key }), 422);
      expectProblem(
        await post({ items: [{ productId: mug.id, quantity: 1 }], paymentMethod: 'pm_card_mastercard' }, alice.token, { 'Idempotency-Key': key }),
        422,
      );
      expect((await shop.orders()).filter((o) => o.idempotencyKey === key)).toHaveLength(1);
    });

    it('keeps keys per customer: the same key of another customer is another order', async () => {
      const key = `key-${uuidv7()}`;
      const body = { items: [{ productId: mug.id, quantity: 1 }], paymentMethod: 'pm_card_visa' };
      const mine = await post(body, alice.token, { 'Idempotency-Key': key });
      const theirs = await post(body, bob.token, { 'Idempotency-Key': key });
      expect(mine.status).toBe(202);
      expect(theirs.status).toBe(202);
      expect(theirs.body.id).not.toBe(mine.body.id);
    });
  });

  describe('validation', () => {
    const line = (quantity: unknown) => ({ items: [{ productId: mug.id, quantity }], paymentMethod: 'pm_card_visa' });

    it('refuses an order without items', async () => {
      expectFieldErrors(await post({ items: [], paymentMethod: 'pm_card_visa' }), ['items']);
    });

    it('refuses an order with 51 lines', async () => {
      const items = Array.from({ length: 51 }, () => ({ productId: uuidv7(), quantity: 1 }));
      expectFieldErrors(await post({ items, paymentMethod: 'pm_card_visa' }), ['items']);
    });

    it.each([[0], [101], [1.5], [-1], ['1']])('refuses quantity %j', async (quantity) => {
      expectFieldErrors(await post(line(quantity)), ['items.0.quantity']);
    });

    it('refuses the same product on two lines', async () => {
      expectFieldErrors(
        await post({
          items: [
            { productId: mug.id, quantity: 1 },
            { productId: mug.id, quantity: 2 },
          ],
          paymentMethod: 'pm_card_visa',
        }),
        ['items'],
      );
    });

    it('refuses a missing or malformed payment method and unknown fields', async () => {
      expectFieldErrors(await post({ items: [{ productId: mug.id, quantity: 1 }] }), ['paymentMethod']);
      expectFieldErrors(await post({ items: [{ productId: mug.id, quantity: 1 }], paymentMethod: 'visa' }), ['paymentMethod']);
      expectFieldErrors(await post({ ...line(1), coupon: 'FREE' }), ['coupon'], { exact: false });
    });

    it('refuses an unknown product with 422', async () => {
      const res = await post({ items: [{ productId: uuidv7(), quantity: 1 }], paymentMethod: 'pm_card_visa' });
      expectProblem(res, 422);
    });

    it('creates no order for a refused request', async () => {
      const before = (await shop.orders()).length;
      await post(line(0));
      await post({ items: [{ productId: uuidv7(), quantity: 1 }], paymentMethod: 'pm_card_visa' });
      expect((await shop.orders()).length).toBe(before);
    });

    it('requires a token', async () => {
      expectProblem(await http.post('/api/v1/orders', line(1)), 401);
      expectProblem(await http.get('/api/v1/orders'), 401);
    });
  });

  describe('who sees what', () => {
    it('hides my order and its payments from another customer, not from an admin', async () => {
      const order = await shop.placeOrder(alice.token, [{ productId: mug.id, quantity: 1 }]);
      await shop.settled(alice.token, order.id);

      expectProblem(await http.get(`/api/v1/orders/${order.id}`, { token: bob.token }), 404);
      expect((await http.get(`/api/v1/payments?orderId=${order.id}`, { token: bob.token })).body).toEqual([]);

      const asAdmin = await http.get(`/api/v1/orders/${order.id}`, { token: admin });
      expect(asAdmin.status).toBe(200);
      expect(asAdmin.body).toMatchObject({ id: order.id, status: 'confirmed' });
      expect((await http.get(`/api/v1/payments?orderId=${order.id}`, { token: admin })).body).toEqual([
        expect.objectContaining({ orderId: order.id, status: 'captured' }),
      ]);
      expect((await http.get(`/api/v1/payments?orderId=${order.id}`, { token: alice.token })).body).toHaveLength(1);
    });

    it('answers 404 for an unknown order and 400 for a malformed id', async () => {
      expectProblem(await http.get(`/api/v1/orders/${uuidv7()}`, { token: alice.token }), 404);
      expectProblem(await http.get('/api/v1/orders/not-a-uuid', { token: alice.token }), 400);
    });

    it('lists only my orders, newest first', async () => {
      const carol = await http.signUp(customerEmail('carol'));
      const dave = await http.signUp(customerEmail('dave'));
      const first = await shop.placeOrder(carol.token, [{ productId: mug.id, quantity: 1 }]);
      const second = await shop.placeOrder(carol.token, [{ productId: mug.id, quantity: 2 }], 'pm_card_chargeDeclined');
      const other = await shop.placeOrder(dave.token, [{ productId: mug.id, quantity: 1 }]);

      const mine = await http.get('/api/v1/orders', { token: carol.token });
      expect(mine.status).toBe(200);
      expect(mine.body.items.map((o: OrderBody) => o.id)).toEqual([second.id, first.id]);
      expect(mine.body.nextCursor).toBeNull();
      expect((await http.get('/api/v1/orders', { token: dave.token })).body.items.map((o: OrderBody) => o.id)).toEqual([other.id]);

      const page = await http.get('/api/v1/orders?limit=1', { token: carol.token });
      expect(page.body.items.map((o: OrderBody) => o.id)).toEqual([second.id]);
      const rest = await http.get(`/api/v1/orders?limit=1&cursor=${page.body.nextCursor}`, { token: carol.token });
      expect(rest.body.items.map((o: OrderBody) => o.id)).toEqual([first.id]);
    });
  });
});
