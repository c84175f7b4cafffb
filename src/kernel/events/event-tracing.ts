import { ROOT_CONTEXT, SpanKind, trace, type Attributes, type Span } from '@opentelemetry/api';
import type { EventEnvelope } from './event-envelope.js';
import { failed, NO_TRACING, type Tracing } from '../observability/tracing/tracing.js';

/**
 * Spans of the event bus, after the OpenTelemetry messaging conventions and the CloudEvents
 * distributed-tracing extension: the relay's hand-over is a PRODUCER span whose context the event
 * then carries (`traceparent`/`tracestate`); each consuming group handles it in a CONSUMER span
 * whose parent is that context, whichever process or transport it came through.
 */
export class EventTracing {
  constructor(
    readonly tracing: Tracing,
    /** `messaging.system`: the transport's name (`kafka`, or `memory` in one process). */
    private readonly system: string,
  ) {}

  get enabled(): boolean {
    return this.tracing.enabled;
  }

  /** Hands an event over in a PRODUCER span; the envelope sent carries that span's context. */
  send(event: EventEnvelope, publish: (event: EventEnvelope) => Promise<void>): Promise<void> {
    if (!this.tracing.enabled) return publish(event);
    const span = this.tracing.start(
      `send ${event.source}`,
      { kind: SpanKind.PRODUCER, attributes: this.attributes('send', event) },
      this.tracing.extract(event),
    );
    const carrier: Record<string, string> = {};
    this.tracing.inject(carrier, trace.setSpan(ROOT_CONTEXT, span));
    return publish({ ...event, ...carrier }).then(
      () => span.end(),
      (err: unknown) => {
        failed(span, err);
        span.end();
        throw err;
      },
    );
  }

  /** The CONSUMER span of one group's handling of an event (undefined with tracing off). */
  consume(group: string, event: EventEnvelope): Span | undefined {
    if (!this.tracing.enabled) return undefined;
    const attributes = { ...this.attributes('process', event), 'messaging.consumer.group.name': group };
    return this.tracing.start(`process ${event.source}`, { kind: SpanKind.CONSUMER, attributes }, this.tracing.extract(event));
  }

  /** Runs `fn` with the consumer span active, so the handler's transaction and events are its children. */
  within<T>(span: Span, fn: () => T): T {
    return this.tracing.within(span, fn);
  }

  private attributes(operation: 'send' | 'process', event: EventEnvelope): Attributes {
    return {
      'messaging.system': this.system,
      'messaging.operation.type': operation,
      'messaging.operation.name': operation,
      'messaging.destination.name': event.source,
      'messaging.message.id': event.id,
      ...(this.system === 'kafka' ? { 'messaging.kafka.message.key': event.subject } : {}),
      'cloudevents.event_id': event.id,
      'cloudevents.event_source': event.source,
      'cloudevents.event_type': event.type,
      'cloudevents.event_subject': event.subject,
    };
  }
}

export const NO_EVENT_TRACING = new EventTracing(NO_TRACING, 'none');
