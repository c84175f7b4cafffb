import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KnownProductSchema } from '../../../src/modules/order/infrastructure/known-product.schema.js';
import { EVENTUALLY_MS, testBusEnv, testEventBus } from '../../support/fixtures/event-system.js';
import { httpClient, type HttpClient } from '../../support/http-client.js';
import { ADMIN, startTestSystem, type TestSystem } from '../../support/test-system.js';
import { waitFor } from '../../support/wait-for.js';

/** The events of one confirmed order, and the module that handles each (issue: one trace per order). */
const HOPS = [
  { type: 'order.placed.v1', group: 'inventory' },
  { type: 'stock.reserved.v1', group: 'payment' },
  { type: 'payment.captured.v1', group: 'order' },
  { type: 'payment.captured.v1', group: 'inventory' },
  { type: 'order.confirmed.v1', group: 'notification' },
];

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/**
 * One order placed with a given `traceparent`: every span it causes, in every module and through
 * every event hop, is in that trace, each consumer span a child of the producer span of its event,
 * each producer span a child of the transaction that published it. On both transports.
 */
describe(`tracing one order (${testEventBus()} transport)`, () => {
  const spans = new InMemorySpanExporter();
  const lines: Record<string, unknown>[] = [];
  let sys: TestSystem;
  let http: HttpClient;

  beforeAll(async () => {
    const logs = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    });
    sys = await startTestSystem({ env: { ...(await testBusEnv()), LOG_LEVEL: 'debug' }, spanExporter: spans, logDestination: logs });
    http = httpClient(sys.url);
  });
  afterAll(() => sys?.stop());

  it('is one trace from the HTTP request through inventory, payment, order and notification', async () => {
    const admin = await http.token(ADMIN.email, ADMIN.password);
    const customer = await http.signUp(`traced-${process.pid}@mercato.test`);
    const product = await http.post(
      '/api/v1/products',
      { sku: `TRACE-${process.pid}`, name: 'Traced', price: { amount: 990, currency: 'EUR' } },
      { token: admin },
    );
    expect(product.status).toBe(201);
    // product.created has reached inventory (restock works) and order (it knows the price).
    await waitFor(
      async () => (await http.post(`/api/v1/inventory/${product.body.sku}/restock`, { quantity: 5 }, { token: admin })).status === 200,
      EVENTUALLY_MS,
      'stock',
    );
    const orderOrm = sys.system.modules.get('order')!.orm;
    await waitFor(async () => (await orderOrm.em.fork().count(KnownProductSchema, { productId: product.body.id })) === 1, EVENTUALLY_MS, 'the price');

    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const placed = await http.post(
      '/api/v1/orders',
      { items: [{ productId: product.body.id, quantity: 1 }], paymentMethod: 'pm_card_visa' },
      { token: customer.token, headers: { traceparent: `00-${traceId}-${callerSpan}-01`, 'x-request-id': `req-${traceId}` } },
    );
    expect(placed.status).toBe(202);

    const inTrace = () => spans.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const consumerOf = (type: string, group: string) =>
      inTrace().find(
        (s) => s.kind === SpanKind.CONSUMER && s.attributes['cloudevents.event_type'] === type && s.attributes['messaging.consumer.group.name'] === group,
      );
    await waitFor(() => HOPS.every(({ type, group }) => consumerOf(type, group)), EVENTUALLY_MS, 'a consumer span for every hop');
    const trace = inTrace();
    const byId = new Map(trace.map((s) => [s.spanContext().spanId, s]));

    // The HTTP server span continues the caller's context.
    const server = trace.find((s) => s.kind === SpanKind.SERVER && s.attributes['http.route'] === '/api/v1/orders')!;
    expect(server).toBeDefined();
    expect(server.name).toBe('POST /api/v1/orders');
    expect(parentOf(server)).toBe(callerSpan);

    for (const { type, group } of HOPS) {
      const consumer = consumerOf(type, group)!;
      expect(consumer.attributes).toMatchObject({
        'messaging.system': testEventBus(),
        'messaging.operation.type': 'process',
        'messaging.message.id': expect.any(String),
        'mercato.delivery.outcome': 'applied',
      });
      // Its parent is the relay's producer span for that very event…
      const producer = byId.get(parentOf(consumer)!)!;
      expect(producer, `${type} → ${group}: producer span`).toBeDefined();
      expect(producer.kind).toBe(SpanKind.PRODUCER);
      expect(producer.attributes['messaging.message.id']).toBe(consumer.attributes['messaging.message.id']);
      // …whose parent is the transaction that published it, in the publishing module.
      const transaction = byId.get(parentOf(producer)!)!;
      expect(transaction.name).toBe(`transaction ${producer.attributes['messaging.destination.name'] as string}`);
      expect(transaction.attributes['mercato.module']).toBe(producer.attributes['cloudevents.event_source']);
    }
    // The first transaction is the order module's, under the HTTP request; the others are consumers' handling.
    const placedProducer = byId.get(parentOf(consumerOf('order.placed.v1', 'inventory')!)!)!;
    expect(parentOf(byId.get(parentOf(placedProducer)!)!)).toBe(server.spanContext().spanId);
    const reservedProducer = byId.get(parentOf(consumerOf('stock.reserved.v1', 'payment')!)!)!;
    const reservedTx = byId.get(parentOf(reservedProducer)!)!;
    expect(byId.get(parentOf(reservedTx)!)).toBe(consumerOf('order.placed.v1', 'inventory'));
    const modules = new Set(trace.filter((s) => s.name.startsWith('transaction ')).map((s) => s.attributes['mercato.module']));
    expect([...modules].sort()).toEqual(['inventory', 'notification', 'order', 'payment']);

    // Every module that handled the order wrote lines carrying the trace id and the request's id.
    await waitFor(() => lines.some((l) => l['trace_id'] === traceId && l['module'] === 'notification'), EVENTUALLY_MS, 'notification log lines');
    const traced = lines.filter((l) => l['trace_id'] === traceId);
    for (const module of ['inventory', 'payment', 'order', 'notification']) {
      const own = traced.filter((l) => l['module'] === module);
      expect(own.length, `${module} lines with the trace id`).toBeGreaterThan(0);
      expect(own.every((l) => typeof l['span_id'] === 'string' && l['reqId'] === `req-${traceId}`)).toBe(true);
    }
    expect(traced.find((l) => l['msg'] === 'request' && l['status'] === 202)).toBeDefined();
  });

  it.runIf(testEventBus() === 'kafka')('shows consumer lag per group and partition, back to 0 once all is dealt with', async () => {
    const lag = async () => {
      const text = (await httpClient(sys.url, { contract: false }).get<string>('/metrics')).body;
      return [...text.matchAll(/^kafka_consumer_lag_events\{group="([^"]+)",topic="([^"]+)",partition="(\d+)"\} (\S+)$/gm)].map((m) => ({
        group: m[1]!,
        value: Number(m[4]),
      }));
    };
    const samples = await waitFor(
      async () => {
        const s = await lag();
        return s.some((l) => l.group === 'payment') && s.every((l) => l.value === 0) && s;
      },
      EVENTUALLY_MS,
      'every lag at 0',
    );
    expect(new Set(samples.map((l) => l.group))).toEqual(new Set(['inventory', 'payment', 'order', 'notification']));
  });
});
