import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient, type HttpClient } from '../support/http-client.js';
import { ADMIN, startTestSystem, type TestSystem } from '../support/test-system.js';
import { customerEmail, Shop } from '../support/saga-helpers.js';

/** One sample of a Prometheus text exposition: `name{labels} value`, labels as written. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const escaped = `${name}${labels ? `{${labels}}` : ''}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

/** The business metrics after the saga of the issue: 10 orders race for 5 units. */
describe('business metrics on /metrics (METRICS_PORT)', () => {
  let sys: TestSystem;
  let http: HttpClient;
  let metrics: HttpClient;
  let shop: Shop;

  beforeAll(async () => {
    sys = await startTestSystem({ env: { METRICS_PORT: '0' } });
    http = httpClient(sys.url);
    metrics = httpClient(sys.system.metricsUrl!, { contract: false });
    shop = new Shop(sys.system, http, await http.token(ADMIN.email, ADMIN.password));
  });
  afterAll(() => sys?.stop());

  it('count 10 placed, 5 confirmed, 5 cancelled out_of_stock, 5 payments, and time every saga', async () => {
    const before = (await metrics.get<string>('/metrics')).body;
    expect(sample(before, 'orders_placed_total')).toBe(0);
    expect(sample(before, 'orders_cancelled_total', 'reason="out_of_stock"')).toBe(0);

    const rare = await shop.product('METRICS-RARE', 1250, 5);
    const buyers = await Promise.all(Array.from({ length: 3 }, () => http.signUp(customerEmail('metrics'))));
    const placed = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const buyer = buyers[i % buyers.length]!;
        return { buyer, order: await shop.placeOrder(buyer.token, [{ productId: rare.id, quantity: 1 }]) };
      }),
    );
    const settled = await Promise.all(placed.map(({ buyer, order }) => shop.settled(buyer.token, order.id, 20_000)));
    expect(settled.filter((o) => o.status === 'confirmed')).toHaveLength(5);
    await shop.quiesce();

    const text = (await metrics.get<string>('/metrics')).body;
    expect(sample(text, 'orders_placed_total')).toBe(10);
    expect(sample(text, 'orders_confirmed_total')).toBe(5);
    expect(sample(text, 'orders_cancelled_total', 'reason="out_of_stock"')).toBe(5);
    expect(sample(text, 'orders_cancelled_total', 'reason="payment_declined"')).toBe(0);
    expect(sample(text, 'payments_captured_total', 'currency="EUR"')).toBe(5);
    expect(sample(text, 'payments_captured_amount_minor_total', 'currency="EUR"')).toBe(5 * 1250);
    expect(sample(text, 'order_saga_duration_seconds_count', 'outcome="confirmed"')).toBe(5);
    expect(sample(text, 'order_saga_duration_seconds_count', 'outcome="cancelled"')).toBe(5);
    // Every saga settled within a minute (the top finite bucket holds them all).
    expect(sample(text, 'order_saga_duration_seconds_bucket', 'le="60",outcome="confirmed"')).toBe(5);

    // Nothing left in any outbox once the bus is quiet.
    for (const module of ['order', 'inventory', 'payment', 'notification']) {
      expect(sample(text, 'outbox_backlog_events', `module="${module}"`)).toBe(0);
      expect(sample(text, 'outbox_oldest_unpublished_age_seconds', `module="${module}"`)).toBe(0);
    }
    // Handler duration per event type: inventory handled the 10 order.placed events.
    expect(sample(text, 'event_handler_duration_seconds_count', 'module="inventory",type="order.placed.v1"')).toBe(10);
    // HTTP by route template, never the raw path (the order ids are not in any label).
    expect(text).toMatch(/^http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/orders\/:id",status="200"\} \d+$/m);
    for (const { order } of placed) expect(text).not.toContain(order.id);
  });
});
