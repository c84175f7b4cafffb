import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait-for.js';
import { splitInfrastructureAvailable } from '../support/split/infrastructure.js';
import { consumedEvents, customerEmail, duplicates, FIVE_PROCESSES, useSplitSystem } from '../support/split/split-system.js';

/**
 * Two replicas of order,payment in the same consumer groups share the work: every event is handled
 * exactly once between them (one payment, one charge, one inbox record per event).
 */
const available = await splitInfrastructureAvailable('replicas.split');
const ORDERS = 30;
const REPLICAS = ['orders-1', 'orders-2'];

describe.skipIf(!available)('two replicas of order,payment in one consumer group', () => {
  const sys = useSplitSystem('replicas', FIVE_PROCESSES);

  it(`handles every event of ${ORDERS} orders exactly once between the replicas`, async () => {
    const { shop, http, db } = sys;
    const product = await shop.product(`REPL-${randomUUID().slice(0, 8)}`, 500, ORDERS + 10);
    const customers = await Promise.all(Array.from({ length: 3 }, () => http.signUp(customerEmail('replica'))));

    const ids: string[] = [];
    for (let wave = 0; wave < ORDERS / 10; wave++) {
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, i) => shop.order(customers[i % customers.length]!.token, [{ productId: product.id, quantity: 1 }])),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(10).fill(202));
      ids.push(...responses.map((r) => r.body.id));
    }
    expect(new Set(ids).size).toBe(ORDERS);

    const statuses = await shop.allSettled(ids, 60_000);
    expect([...statuses.values()].map((s) => s.status)).toEqual(Array(ORDERS).fill('confirmed'));
    await waitFor(async () => (await shop.stock(product.sku)).sold === ORDERS, 20_000, `${ORDERS} units sold`);
    expect(await shop.stockViaApi(product.sku)).toEqual({ available: 10, reserved: 0, sold: ORDERS });

    // One payment per order, one charge per order at the provider.
    const payments = await shop.paymentCounts(ids);
    expect(ids.map((id) => payments.get(id) ?? 0)).toEqual(Array(ORDERS).fill(1));
    const ledger = await shop.ledgerKeys();
    expect(duplicates(ledger)).toEqual([]);
    expect(ledger.filter((k) => ids.includes(k)).sort()).toEqual([...ids].sort());

    // Each event applied once by the group: inbox records per type match the work done.
    const inbox = async (schema: string) =>
      Object.fromEntries(
        (await db.query<{ type: string; n: string }>(`SELECT type, count(*) AS n FROM "${schema}".event_inbox GROUP BY type`)).map((r) => [
          r.type,
          Number(r.n),
        ]),
      );
    const paymentInbox = await inbox('payment');
    expect(paymentInbox['stock.reserved.v1']).toBe(ORDERS);
    const orderInbox = await inbox('order');
    expect(orderInbox['payment.captured.v1']).toBe(ORDERS);
    expect(await db.query(`SELECT event_id FROM payment.event_inbox GROUP BY event_id HAVING count(*) > 1`)).toEqual([]);
    // One outcome event per payment in payment's outbox.
    const [outbox] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM payment.event_outbox WHERE type = 'payment.captured.v1'`);
    expect(Number(outbox!.n)).toBe(ORDERS);

    // Between them, the replicas applied each stock.reserved exactly once.
    const perReplica = await Promise.all(REPLICAS.map(async (name) => consumedEvents(sys.topology.url(name))));
    const count = (m: Map<string, number>, module: string, type: string, outcome: string) => m.get(`${module}|${type}|${outcome}`) ?? 0;
    const applied = perReplica.map((m) => count(m, 'payment', 'stock.reserved.v1', 'applied'));
    const captured = perReplica.map((m) => count(m, 'order', 'payment.captured.v1', 'applied'));
    const redelivered = perReplica.map((m) => count(m, 'payment', 'stock.reserved.v1', 'duplicate'));
    console.info(
      `[replicas] stock.reserved applied by payment per replica: ${applied.join(' / ')} (duplicates absorbed: ${redelivered.join(' / ')}); ` +
        `payment.captured applied by order per replica: ${captured.join(' / ')}`,
    );
    expect(applied.reduce((a, b) => a + b, 0)).toBe(ORDERS);
    expect(captured.reduce((a, b) => a + b, 0)).toBe(ORDERS);
  }, 150_000);
});
