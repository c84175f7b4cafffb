import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/kernel/config/config.loader.js';
import { createTracing } from '../../../src/kernel/observability/tracing/tracer-provider.factory.js';
import { NO_TRACING } from '../../../src/kernel/observability/tracing/tracing.js';

const tracingConfig = (env: Record<string, string>) => loadConfig({ NODE_ENV: 'test', ...env }).tracing;

/** A receiver of OTLP/HTTP exports: what arrived, with its headers. */
async function receiver() {
  const got: { url: string; headers: IncomingHttpHeaders; body: Buffer }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got, close: () => server.close() };
}

describe('tracing from the OTEL_* variables', () => {
  const closers: (() => void)[] = [];
  afterEach(() => {
    for (const close of closers.splice(0)) close();
  });

  it('is off by default, and with OTEL_SDK_DISABLED=true whatever the exporter', async () => {
    expect(await createTracing(tracingConfig({}), { defaultServiceName: 'mercato' })).toBe(NO_TRACING);
    expect(await createTracing(tracingConfig({ OTEL_TRACES_EXPORTER: 'none' }), { defaultServiceName: 'mercato' })).toBe(NO_TRACING);
    expect(await createTracing(tracingConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }), { defaultServiceName: 'mercato' })).toBe(NO_TRACING);
    expect(NO_TRACING.current()).toBeUndefined();
    expect(NO_TRACING.logFields()).toBeUndefined();
  });

  it('refuses values OpenTelemetry does not define, naming the variable path', () => {
    expect(() => tracingConfig({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(/tracing\.exporters/);
    expect(() => tracingConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/tracing\.otlp\.protocol/);
    expect(() => tracingConfig({ OTEL_TRACES_SAMPLER_ARG: '2' })).toThrow(/tracing\.samplerArg/);
  });

  for (const [protocol, type] of [
    ['http/protobuf', 'application/x-protobuf'],
    ['http/json', 'application/json'],
  ] as const) {
    it(`exports over OTLP ${protocol} to <endpoint>/v1/traces with the service name, resource attributes and headers`, async () => {
      const sink = await receiver();
      closers.push(sink.close);
      const tracing = await createTracing(
        tracingConfig({
          OTEL_TRACES_EXPORTER: 'otlp',
          OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
          OTEL_SERVICE_NAME: 'orders-east',
          OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=stage%201',
          OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=k1',
        }),
        { defaultServiceName: 'mercato' },
      );
      await tracing.inSpan('work', { kind: SpanKind.INTERNAL }, async () => undefined);
      await tracing.shutdown();
      expect(sink.got).toHaveLength(1);
      const [exported] = sink.got;
      expect(exported!.url).toBe('/v1/traces');
      expect(exported!.headers['content-type']).toContain(type);
      expect(exported!.headers['x-api-key']).toBe('k1');
      // Protobuf keeps strings as they are, so both encodings show them.
      const body = exported!.body.toString('latin1');
      for (const text of ['orders-east', 'stage 1', 'work']) expect(body).toContain(text);
    });
  }

  it('samples as OTEL_TRACES_SAMPLER says, and a parent-based sampler follows the caller', async () => {
    const spans = new InMemorySpanExporter();
    const off = await createTracing(tracingConfig({ OTEL_TRACES_SAMPLER: 'always_off' }), { defaultServiceName: 'm', exporter: spans });
    await off.inSpan('dropped', {}, async () => undefined);
    expect(spans.getFinishedSpans()).toHaveLength(0);

    const parentBased = await createTracing(tracingConfig({ OTEL_TRACES_SAMPLER: 'parentbased_always_on' }), { defaultServiceName: 'm', exporter: spans });
    const unsampled = parentBased.extract({ traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-00` });
    await parentBased.inSpan('child of unsampled', {}, async () => undefined, unsampled);
    expect(spans.getFinishedSpans()).toHaveLength(0);
    const sampled = parentBased.extract({ traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` });
    await parentBased.inSpan(
      'child of sampled',
      {},
      async () => {
        // What an event published here would carry, and what a log line would say.
        expect(parentBased.current()?.traceparent).toMatch(new RegExp(`^00-${'a'.repeat(32)}-[0-9a-f]{16}-01$`));
        expect(parentBased.logFields()?.trace_id).toBe('a'.repeat(32));
      },
      sampled,
    );
    const [span] = spans.getFinishedSpans();
    expect(span!.spanContext().traceId).toBe('a'.repeat(32));
    expect(span!.parentSpanContext?.spanId).toBe('b'.repeat(16));
    expect(span!.resource.attributes['service.name']).toBe('m');
  });
});
