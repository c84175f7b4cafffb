import type { Sampler, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-node';
import type { AppConfig } from '../../config/config.schema.js';
import { NO_TRACING, Tracing } from './tracing.js';

export type TracingConfig = AppConfig['tracing'];

export interface TracingOptions {
  /** `service.name` when `OTEL_SERVICE_NAME` does not give one. */
  defaultServiceName: string;
  /** Extra resource attributes of this process (the modules it hosts). */
  attributes?: Record<string, string>;
  /** An exporter of the caller's (tests: an in-memory one), synchronous so spans are there at once. */
  exporter?: SpanExporter;
}

/** `a=1,b=x%20y` → `{ a: '1', b: 'x y' }` (OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS). */
export function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    const key = pair.slice(0, at).trim();
    const raw = pair.slice(at + 1).trim();
    let value = raw;
    try {
      value = decodeURIComponent(raw);
    } catch {
      // Kept as written: a stray `%` is not worth refusing to start for.
    }
    if (key) out[key] = value;
  }
  return out;
}

/** The SDK, loaded only when tracing is on: a process without tracing never pays for it. */
type Sdk = typeof import('@opentelemetry/sdk-trace-node');

function sampler(config: TracingConfig, sdk: Sdk): Sampler {
  const { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } = sdk;
  const ratio = new TraceIdRatioBasedSampler(config.samplerArg ?? 1);
  switch (config.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

async function otlpExporter(otlp: TracingConfig['otlp']): Promise<SpanExporter> {
  const url = otlp.tracesEndpoint ?? `${otlp.endpoint.replace(/\/+$/, '')}/v1/traces`;
  const options = { url, headers: parseKeyValues(otlp.headers) };
  if (otlp.protocol === 'http/json') return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter(options);
  return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter(options);
}

async function processors(config: TracingConfig, options: TracingOptions, sdk: Sdk): Promise<SpanProcessor[]> {
  const out: SpanProcessor[] = options.exporter ? [new sdk.SimpleSpanProcessor(options.exporter)] : [];
  for (const name of new Set(config.exporters)) {
    if (name === 'otlp') out.push(new sdk.BatchSpanProcessor(await otlpExporter(config.otlp), { scheduledDelayMillis: config.exportDelayMs }));
    if (name === 'console') out.push(new sdk.SimpleSpanProcessor(new sdk.ConsoleSpanExporter()));
  }
  return out;
}

/**
 * The one place that turns the `OTEL_*` settings into a tracer: no exporter (the default), or
 * `OTEL_SDK_DISABLED=true`, means no tracer at all, so tracing costs a boolean test per call site.
 * The SDK is loaded only then. The provider is not registered globally: the `Tracing` it feeds is handed to whoever traces.
 */
export async function createTracing(config: TracingConfig, options: TracingOptions): Promise<Tracing> {
  const wanted = !config.disabled && (options.exporter !== undefined || config.exporters.some((e) => e !== 'none'));
  if (!wanted) return NO_TRACING;
  const [sdk, { resourceFromAttributes }, { W3CTraceContextPropagator }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/core'),
  ]);
  const provider = new sdk.NodeTracerProvider({
    resource: resourceFromAttributes({
      ...parseKeyValues(config.resourceAttributes),
      ...options.attributes,
      'service.name': config.serviceName ?? parseKeyValues(config.resourceAttributes)['service.name'] ?? options.defaultServiceName,
    }),
    sampler: sampler(config, sdk),
    spanProcessors: await processors(config, options, sdk),
  });
  return new Tracing(provider.getTracer('mercato'), provider, new W3CTraceContextPropagator());
}
