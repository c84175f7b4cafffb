import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient, type HttpClient } from '../support/http-client.js';
import { startTestSystem, type TestSystem } from '../support/test-system.js';

const MODULES = ['user', 'catalog', 'inventory', 'order', 'payment', 'notification'];

/** The gateway in this process in front of a fake module process that records the headers it gets. */
describe('gateway: traces and metrics of forwarded requests', () => {
  const spans = new InMemorySpanExporter();
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  let upstream: Server;
  let upstreamUrl: string;
  let sys: TestSystem;
  let http: HttpClient;
  let dataDir: string;

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      if (req.url !== '/health/ready') seen.push({ url: req.url ?? '', headers: req.headers });
      res.setHeader('content-type', 'application/json');
      res.end(req.url === '/.well-known/jwks.json' ? '{"keys":[]}' : '{}');
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
    dataDir = mkdtempSync(join(tmpdir(), 'mercato-gateway-obs-'));
    sys = await startTestSystem({
      env: {
        MODULES: 'gateway',
        EVENT_BUS: 'memory',
        DATA_DIR: dataDir,
        ...Object.fromEntries(MODULES.map((m) => [`SERVICE_URLS_${m.toUpperCase()}`, upstreamUrl])),
      },
      spanExporter: spans,
    });
    http = httpClient(sys.url, { contract: false });
  });
  afterAll(async () => {
    await sys?.stop();
    upstream?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("sends a client span's context upstream, in the caller's trace", async () => {
    const traceId = randomBytes(16).toString('hex');
    const caller = randomBytes(8).toString('hex');
    const id = randomUUID();
    expect((await http.get(`/api/v1/products/${id}`, { headers: { traceparent: `00-${traceId}-${caller}-01` } })).status).toBe(200);
    const sent = seen.find((s) => s.url === `/api/v1/products/${id}`)!;
    const [, sentTrace, sentSpan] = String(sent.headers['traceparent']).split('-');
    expect(sentTrace).toBe(traceId);
    const client = spans.getFinishedSpans().find((s) => s.kind === SpanKind.CLIENT && s.spanContext().spanId === sentSpan)!;
    expect(client).toBeDefined();
    expect(client.attributes['http.response.status_code']).toBe(200);
    const server = spans.getFinishedSpans().find((s) => s.spanContext().spanId === client.parentSpanContext?.spanId)!;
    expect(server.kind).toBe(SpanKind.SERVER);
    expect(server.name).toBe('GET /api/v1/products/:id');
    expect(server.parentSpanContext?.spanId).toBe(caller);
  });

  it('counts forwarded requests by route template, and shows each upstream instance', async () => {
    const id = randomUUID();
    expect((await http.get(`/api/v1/products/${id}`)).status).toBe(200);
    const text = (await http.get<string>('/metrics')).body;
    expect(text).toMatch(/^http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/products\/:id",status="200"\} \d+$/m);
    expect(text).not.toContain(id);
    expect(text).toContain(`gateway_upstream_healthy{module="catalog",instance="${upstreamUrl}"} 1`);
    expect(text).toContain(`gateway_upstream_breaker_open{module="catalog",instance="${upstreamUrl}"} 0`);
  });
});
