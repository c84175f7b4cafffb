import { newId } from '../ids/id.generator.js';

/** A CloudEvents 1.0 event as it travels between modules (structured form). */
export interface EventEnvelope<T = unknown> {
  specversion: '1.0';
  id: string;
  /** The publishing module. */
  source: string;
  /** Versioned type, e.g. `order.placed.v1`. */
  type: string;
  /** The aggregate id: the ordering and partitioning key. */
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: T;
  /** W3C trace context: the CloudEvents distributed-tracing extension. */
  traceparent?: string;
  tracestate?: string;
  /** The id of the HTTP request that caused the event (X-Request-Id), so its consumers' log lines can be found by it. */
  requestid?: string;
}

export function createEnvelope<T>(fields: {
  source: string;
  type: string;
  subject: string;
  data: T;
  traceparent?: string | undefined;
  tracestate?: string | undefined;
  requestid?: string | undefined;
}): EventEnvelope<T> {
  return {
    specversion: '1.0',
    id: newId(),
    source: fields.source,
    type: fields.type,
    subject: fields.subject,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: fields.data,
    ...(fields.traceparent ? { traceparent: fields.traceparent } : {}),
    ...(fields.tracestate ? { tracestate: fields.tracestate } : {}),
    ...(fields.requestid ? { requestid: fields.requestid } : {}),
  };
}

/** `order.placed.v1` → `{ family: 'order.placed', version: 1 }`. */
export function parseEventType(type: string): { family: string; version: number } | undefined {
  const match = /^(.+)\.v(\d+)$/.exec(type);
  return match ? { family: match[1]!, version: Number(match[2]) } : undefined;
}
