import { AsyncLocalStorage } from 'node:async_hooks';
import { ROOT_CONTEXT, SpanStatusCode, trace, type Context, type Span, type SpanOptions, type TextMapPropagator, type Tracer } from '@opentelemetry/api';

/** The W3C trace context as it travels: HTTP headers, CloudEvents extension attributes. */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

/** What a provider must offer beyond its tracer: draining at shutdown. */
export interface SpanSink {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

const getter = {
  keys: (carrier: Record<string, unknown>) => Object.keys(carrier),
  get: (carrier: Record<string, unknown>, key: string) => {
    const value = carrier[key];
    return typeof value === 'string' || Array.isArray(value) ? (value as string | string[]) : undefined;
  },
};
const setter = {
  set: (carrier: Record<string, string>, key: string, value: string) => {
    carrier[key] = value;
  },
};

/**
 * The process's tracing. Without a tracer (the default) every call site sees `enabled === false`
 * and does nothing else: no span, no context, no allocation. With one, the active span lives in an
 * AsyncLocalStorage of its own, so no global context manager (nor any global at all) is needed and
 * several systems in one process (tests) never see each other's spans.
 */
export class Tracing {
  private readonly storage = new AsyncLocalStorage<Context>();

  constructor(
    private readonly tracer?: Tracer,
    private readonly sink?: SpanSink,
    /** W3C trace context (`traceparent`, `tracestate`); given with the tracer. */
    private readonly propagator?: TextMapPropagator,
  ) {}

  get enabled(): boolean {
    return this.tracer !== undefined;
  }

  /** The context of the span in progress (the root context when there is none). */
  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }

  /** Starts a span, by default a child of the active one. Only for `enabled` tracing. */
  start(name: string, options: SpanOptions, parent: Context = this.active()): Span {
    return this.tracer!.startSpan(name, options, parent);
  }

  /** Runs `fn` with `span` as the active span. */
  within<T>(span: Span, fn: () => T): T {
    return this.storage.run(trace.setSpan(ROOT_CONTEXT, span), fn);
  }

  /** A span around `fn`: its failure is recorded on the span, which ends when `fn` settles. */
  async inSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>, parent?: Context): Promise<T> {
    const span = this.start(name, options, parent);
    try {
      return await this.within(span, () => fn(span));
    } catch (err) {
      failed(span, err);
      throw err;
    } finally {
      span.end();
    }
  }

  /** The context a W3C carrier names (root when it names none or a malformed one). */
  extract(carrier: TraceCarrier | Record<string, unknown>): Context {
    return this.propagator ? this.propagator.extract(ROOT_CONTEXT, carrier, getter) : ROOT_CONTEXT;
  }

  /** Writes `traceparent` (and `tracestate`) of a context into a carrier. */
  inject(carrier: Record<string, string>, context: Context = this.active()): void {
    this.propagator?.inject(context, carrier, setter);
  }

  /** The active context as a carrier, or undefined when no span is in progress. */
  current(): TraceCarrier | undefined {
    if (!this.tracer) return undefined;
    const carrier: Record<string, string> = {};
    this.inject(carrier);
    return carrier['traceparent'] ? carrier : undefined;
  }

  /** The ids a log line written now carries (pino mixin). */
  logFields(): { trace_id: string; span_id: string } | undefined {
    if (!this.tracer) return undefined;
    const span = trace.getSpan(this.active());
    if (!span) return undefined;
    const { traceId, spanId } = span.spanContext();
    return { trace_id: traceId, span_id: spanId };
  }

  /** Exports what is buffered (tests, shutdown). */
  async flush(): Promise<void> {
    await this.sink?.forceFlush();
  }

  async shutdown(): Promise<void> {
    await this.sink?.shutdown();
  }
}

/** Marks a span as failed with the error as an exception event. */
export function failed(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

/** Tracing off: what every process has unless `OTEL_TRACES_EXPORTER` names an exporter. */
export const NO_TRACING = new Tracing();
