import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OutboxRecord } from '../../src/kernel/events/outbox.entity.js';
import { ALL_MODULES } from '../../src/runtimes/module.registry.js';
import { committed, eventViolations } from '../support/contract.js';
import { httpClient } from '../support/http-client.js';
import { waitFor } from '../support/wait-for.js';
import { splitInfrastructureAvailable } from '../support/split/infrastructure.js';
import { customerEmail, FIVE_PROCESSES, SETTLE_TIMEOUT_MS, useSplitSystem } from '../support/split/split-system.js';

/**
 * The order saga on real processes: gateway; user,notification; catalog,inventory; two replicas
 * of order,payment; over Kafka and PostgreSQL, every request through the gateway.
 */
const available = await splitInfrastructureAvailable('saga.split');
const TEST_TIMEOUT_MS = 60_000;

describe.skipIf(!available)('order saga across processes (Kafka, PostgreSQL, gateway)', () => {
  const sys = useSplitSystem('saga', FIVE_PROCESSES);
  let customer: { id: string; token: string };
  const sku = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    customer = await sys.http.signUp(customerEmail());
  });

  it(
    'confirms a paid order: one captured payment of the total, stock sold, customer notified',
    async () => {
      const { shop, http } = sys;
      const mug = await shop.product(sku('MUG'), 1290, 10);
      const pen = await shop.product(sku('PEN'), 250, 10);
      const order = await shop.placeOrder(customer.token, [
        { productId: mug.id, quantity: 2 },
        { productId: pen.id, quantity: 4 },
      ]);
      expect(order).toMatchObject({ total: { amount: 3580, currency: 'EUR' }, paymentMethod: 'pm_card_visa' });

      const settled = await shop.settled(customer.token, order.id);
      expect(settled).toMatchObject({ id: order.id, status: 'confirmed', total: { amount: 3580, currency: 'EUR' } });
      expect(settled.cancelReason).toBeUndefined();

      const payments = await http.get(`/api/v1/payments?orderId=${order.id}`, { token: customer.token });
      expect(payments.status).toBe(200);
      expect(payments.body).toEqual([expect.objectContaining({ orderId: order.id, amount: { amount: 3580, currency: 'EUR' }, status: 'captured' })]);

      // payment.captured reaches inventory after the order is confirmed: wait for the sale.
      await waitFor(async () => (await shop.stock(mug.sku)).sold === 2, 15_000, 'the mugs to be sold');
      expect(await shop.stockViaApi(mug.sku)).toEqual({ available: 8, reserved: 0, sold: 2 });
      await waitFor(async () => (await shop.stock(pen.sku)).sold === 4, 15_000, 'the pens to be sold');
      expect(await shop.stockViaApi(pen.sku)).toEqual({ available: 6, reserved: 0, sold: 4 });

      // Delivered, not only recorded: the dispatcher found it due, claimed it and marked it sent on PostgreSQL.
      const kinds = await waitFor(
        async () => {
          const res = await http.get<{ items: { kind: string; status: string }[] }>('/api/v1/notifications', { token: customer.token });
          const items = res.status === 200 ? res.body.items : [];
          return items.some((n) => n.kind === 'order_confirmed' && n.status === 'sent') && items.map((n) => n.kind);
        },
        15_000,
        'an order_confirmed notification sent',
      );
      expect(kinds).toContain('welcome');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'cancels an order it cannot fill (out_of_stock), charging nothing and moving no stock',
    async () => {
      const { shop, http } = sys;
      const lamp = await shop.product(sku('LAMP'), 4500, 1);
      const order = await shop.placeOrder(customer.token, [{ productId: lamp.id, quantity: 2 }]);

      expect(await shop.settled(customer.token, order.id)).toMatchObject({ status: 'cancelled', cancelReason: 'out_of_stock' });
      expect((await http.get(`/api/v1/payments?orderId=${order.id}`, { token: customer.token })).body).toEqual([]);
      expect(await shop.stockViaApi(lamp.sku)).toEqual({ available: 1, reserved: 0, sold: 0 });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'cancels an order whose card is declined (payment_declined) and releases its stock',
    async () => {
      const { shop, http } = sys;
      const cup = await shop.product(sku('CUP'), 800, 3);
      const order = await shop.placeOrder(customer.token, [{ productId: cup.id, quantity: 2 }], 'pm_card_chargeDeclined');

      expect(await shop.settled(customer.token, order.id)).toMatchObject({ status: 'cancelled', cancelReason: 'payment_declined' });
      expect((await http.get(`/api/v1/payments?orderId=${order.id}`, { token: customer.token })).body).toEqual([
        expect.objectContaining({ orderId: order.id, amount: { amount: 1600, currency: 'EUR' }, status: 'declined' }),
      ]);
      await waitFor(async () => (await shop.stock(cup.sku)).reserved === 0, 15_000, 'the reservation to be released');
      expect(await shop.stockViaApi(cup.sku)).toEqual({ available: 3, reserved: 0, sold: 0 });
    },
    TEST_TIMEOUT_MS,
  );

  it('sells 5 units to 10 concurrent orders exactly once: 5 confirmed, 5 cancelled out_of_stock', async () => {
    const { shop } = sys;
    const lastFive = await shop.product(sku('LAST'), 1000, 5);
    const buyers = await Promise.all(Array.from({ length: 10 }, () => sys.http.signUp(customerEmail('race'))));
    const responses = await Promise.all(buyers.map((b) => shop.order(b.token, [{ productId: lastFive.id, quantity: 1 }])));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(202));

    const settled = await Promise.all(responses.map((r, i) => shop.settled(buyers[i]!.token, r.body.id, SETTLE_TIMEOUT_MS)));
    const outcomes = settled.map((o) => (o.status === 'confirmed' ? 'confirmed' : `cancelled:${o.cancelReason}`)).sort();
    expect(outcomes).toEqual([...Array(5).fill('cancelled:out_of_stock'), ...Array(5).fill('confirmed')]);

    await waitFor(async () => (await shop.stock(lastFive.sku)).sold === 5, 15_000, 'five units sold');
    expect(await shop.stockViaApi(lastFive.sku)).toEqual({ available: 0, reserved: 0, sold: 5 });
    const confirmed = settled.filter((o) => o.status === 'confirmed').map((o) => o.id);
    const cancelled = settled.filter((o) => o.status === 'cancelled').map((o) => o.id);
    const counts = await shop.paymentCounts(settled.map((o) => o.id));
    expect(confirmed.map((id) => counts.get(id))).toEqual(Array(5).fill(1));
    expect(cancelled.map((id) => counts.get(id) ?? 0)).toEqual(Array(5).fill(0));
  }, 90_000);

  it(
    'replays an Idempotency-Key to the same order, whichever replica answers',
    async () => {
      const { shop } = sys;
      const tea = await shop.product(sku('TEA'), 650, 20);
      const key = `split-${randomUUID()}`;
      const items = [{ productId: tea.id, quantity: 1 }];
      const first = await shop.order(customer.token, items, 'pm_card_visa', { 'Idempotency-Key': key });
      expect(first.status).toBe(202);
      // Round-robin over the two order replicas: consecutive requests land on both.
      const replays = [];
      for (let i = 0; i < 3; i++) replays.push(await shop.order(customer.token, items, 'pm_card_visa', { 'Idempotency-Key': key }));
      expect(replays.map((r) => [r.status, r.body.id])).toEqual(Array(3).fill([202, first.body.id]));

      // Raced on both replicas at once with a fresh key: still one order.
      const racedKey = `split-${randomUUID()}`;
      const raced = await Promise.all(Array.from({ length: 6 }, () => shop.order(customer.token, items, 'pm_card_visa', { 'Idempotency-Key': racedKey })));
      expect(raced.map((r) => r.status)).toEqual(Array(6).fill(202));
      expect(new Set(raced.map((r) => r.body.id)).size).toBe(1);
      const rows = await sys.db.query(`SELECT id FROM "order".customer_order WHERE idempotency_key = ANY($1::text[])`, [[key, racedKey]]);
      expect(rows).toHaveLength(2);

      expect(await shop.settled(customer.token, first.body.id)).toMatchObject({ status: 'confirmed' });
      expect(await shop.settled(customer.token, raced[0]!.body.id)).toMatchObject({ status: 'confirmed' });
      const counts = await shop.paymentCounts([first.body.id, raced[0]!.body.id]);
      expect([...counts.values()]).toEqual([1, 1]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'module processes trust no one who merely reaches their port (zero trust)',
    async () => {
      // Module processes reached directly, behind the gateway's back: not the public API the document describes.
      const catalog = httpClient(sys.topology.url('catalog'), { contract: false });
      const orders = httpClient(sys.topology.url('orders-1'), { contract: false });

      const anonymous = await catalog.get('/api/v1/products');
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect((await orders.get('/api/v1/orders')).status).toBe(401);
      // A made-up service token is no better than none.
      expect((await catalog.get('/api/v1/products', { headers: { 'x-mercato-service-token': 'not-a-token' } })).status).toBe(401);
      expect((await catalog.get('/api/v1/products', { token: 'not-a-token' })).status).toBe(401);

      // Nor is a valid user token sent directly: it would skip the gateway's rate limits.
      expect((await catalog.get('/api/v1/products', { token: customer.token })).status).toBe(401);
      expect((await orders.get('/api/v1/orders', { token: customer.token })).status).toBe(401);
      expect((await sys.http.get('/api/v1/orders', { token: customer.token })).status).toBe(200);
      // Through the gateway an anonymous visitor reads the catalog (the gateway vouches with a service token).
      expect((await sys.http.get('/api/v1/products')).status).toBe(200);
      // Probes stay open for the platform.
      expect((await catalog.get('/health/ready')).status).toBe(200);
    },
    TEST_TIMEOUT_MS,
  );
  it(
    "serves the whole API at the gateway, built from the module definitions: every module's routes and events",
    async () => {
      // The gateway process hosts no module, yet describes all of them, exactly as committed.
      const openapi = await sys.http.get('/api/openapi.json');
      expect(openapi.status).toBe(200);
      expect(openapi.body).toEqual(committed('openapi.json'));
      const paths = Object.keys(openapi.body.paths);
      for (const module of ALL_MODULES) {
        for (const operation of module.api) expect(paths, `${module.name}: ${operation.path}`).toContain(operation.path.replace(/:(\w+)/g, '{$1}'));
        expect(paths).toContain(`/api/v1/admin/${module.name}/dead-letters`);
      }
      const asyncapi = await sys.http.get('/api/asyncapi.json');
      expect(asyncapi.body).toEqual(committed('asyncapi.json'));
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'published only events the event catalogue describes (payloads and ce_* headers)',
    async () => {
      const problems: string[] = [];
      let events = 0;
      for (const module of ALL_MODULES.filter((m) => m.publishes.length > 0)) {
        const rows = await sys.db.query<OutboxRecord>(`SELECT id, type, subject, time, data, traceparent FROM "${module.name}".event_outbox ORDER BY seq`);
        events += rows.length;
        problems.push(...eventViolations(module.name, rows));
      }
      expect(events).toBeGreaterThan(10);
      expect(problems).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});
