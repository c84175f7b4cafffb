import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait-for.js';
import { splitInfrastructureAvailable } from '../support/split/infrastructure.js';
import { customerEmail, FIVE_PROCESSES, START_TIMEOUT_MS, STOP_TIMEOUT_MS, startSplitSystem, type SplitSystem } from '../support/split/split-system.js';

/** One span as an OTLP/JSON export carries it, with the service that sent it. */
interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
}

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string };
}
interface OtlpExport {
  resourceSpans?: { resource?: { attributes?: OtlpAttribute[] }; scopeSpans?: { spans?: Omit<ReceivedSpan, 'service'>[] }[] }[];
}

/** A minimal OTLP/HTTP (JSON) trace receiver: what a collector would get from each process. */
class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.headers['content-type']?.startsWith('application/json')) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport;
        for (const rs of body.resourceSpans ?? []) {
          const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
          for (const ss of rs.scopeSpans ?? []) for (const span of ss.spans ?? []) this.spans.push({ ...span, service });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });

  async start(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): void {
    this.server.close();
  }
}

const available = await splitInfrastructureAvailable('tracing.split');

/** Real processes over Kafka, each exporting OTLP over HTTP: one order through the gateway is one trace. */
describe.skipIf(!available)('one trace across processes (Kafka, PostgreSQL, gateway, OTLP)', () => {
  const receiver = new OtlpReceiver();
  const dataDirs: string[] = [];
  let sys: SplitSystem;

  beforeAll(async () => {
    const endpoint = await receiver.start();
    // Each process its own name (service.name) and its own data directory.
    const specs = FIVE_PROCESSES.map((spec) => {
      const dir = mkdtempSync(join(tmpdir(), `mercato-trace-${spec.name}-`));
      dataDirs.push(dir);
      return { ...spec, env: { ...spec.env, OTEL_SERVICE_NAME: spec.name, DATA_DIR: dir } };
    });
    sys = await startSplitSystem('tracing', specs, {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    const crashes = sys?.topology.crashes() ?? [];
    await sys?.stop();
    receiver.stop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    expect(crashes).toEqual([]);
  }, STOP_TIMEOUT_MS);
  beforeEach(({ onTestFailed }) => onTestFailed(() => console.error(sys?.topology.diagnostics())));

  it('carries one trace id through gateway, order, inventory, payment and notification processes', async () => {
    const { shop } = sys;
    const customer = await sys.http.signUp(customerEmail('traced'));
    const lamp = await shop.product(`LAMP-${randomUUID().slice(0, 8)}`, 4500, 3);
    const traceId = randomBytes(16).toString('hex');
    const order = await shop.placeOrder(customer.token, [{ productId: lamp.id, quantity: 1 }], 'pm_card_visa', {
      traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
    });
    expect((await shop.settled(customer.token, order.id)).status).toBe('confirmed');

    const inTrace = () => receiver.spans.filter((s) => s.traceId === traceId);
    const consumed = (service: string, name: string) => inTrace().some((s) => s.service === service && s.name === name);
    // Every process exports on its own schedule: wait for the last hops (notification in the users
    // process, the sale in the catalog process) and for every span's parent to have arrived too.
    const orphans = () => {
      const ids = new Set(inTrace().map((s) => s.spanId));
      return inTrace().filter((s) => s.parentSpanId && !ids.has(s.parentSpanId));
    };
    await waitFor(
      () => consumed('users', 'process order') && consumed('catalog', 'process payment') && orphans().length === 1,
      30_000,
      'the whole trace to be exported',
    );

    const trace = inTrace();
    const services = new Set(trace.map((s) => s.service));
    expect(services.has('gateway')).toBe(true);
    expect(services.has('users')).toBe(true);
    expect(services.has('catalog')).toBe(true);
    expect(services.has('orders-1') || services.has('orders-2')).toBe(true);
    // The gateway's client span is the parent of the order process's server span.
    const client = trace.find((s) => s.service === 'gateway' && s.kind === 3)!;
    const server = trace.find((s) => s.service.startsWith('orders-') && s.name === 'POST /api/v1/orders')!;
    expect(client).toBeDefined();
    expect(server.parentSpanId).toBe(client.spanId);
    // Every span's parent is in the trace, except the root's: the caller's span, outside.
    expect(orphans().map((s) => s.service)).toEqual(['gateway']);
    // Each consumer span (kind 5) has its producer span (kind 4) as parent, across processes.
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const consumers = trace.filter((s) => s.kind === 5);
    expect(consumers.length).toBeGreaterThanOrEqual(5);
    for (const c of consumers) expect(byId.get(c.parentSpanId)?.kind, c.name).toBe(4);
  });
});
