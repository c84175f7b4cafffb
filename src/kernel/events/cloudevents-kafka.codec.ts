import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { EventEnvelope } from './event-envelope.js';

/**
 * The CloudEvents Kafka protocol binding in binary mode: attributes travel as `ce_*` headers,
 * the data is the message value, and the subject is the key (so one subject stays on one
 * partition, in order).
 */
export function toKafkaMessage(event: EventEnvelope): Message {
  const headers: IHeaders = {
    ce_specversion: event.specversion,
    ce_id: event.id,
    ce_source: event.source,
    ce_type: event.type,
    ce_subject: event.subject,
    ce_time: event.time,
    'content-type': event.datacontenttype,
  };
  if (event.traceparent) headers['ce_traceparent'] = event.traceparent;
  if (event.tracestate) headers['ce_tracestate'] = event.tracestate;
  if (event.requestid) headers['ce_requestid'] = event.requestid;
  return { key: event.subject, value: JSON.stringify(event.data), headers };
}

function header(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/** Undefined for a message that is not a CloudEvent at all (it cannot even be dead-lettered by id). */
export function fromKafkaMessage(message: KafkaMessage): EventEnvelope | undefined {
  const id = header(message.headers, 'ce_id');
  const type = header(message.headers, 'ce_type');
  const source = header(message.headers, 'ce_source');
  if (!id || !type || !source) return undefined;
  let data: unknown;
  try {
    data = message.value ? JSON.parse(message.value.toString('utf8')) : null;
  } catch {
    // Kept as text: the consumer's schema check dead-letters it with the reason.
    data = message.value?.toString('utf8');
  }
  const traceparent = header(message.headers, 'ce_traceparent');
  const tracestate = header(message.headers, 'ce_tracestate');
  const requestid = header(message.headers, 'ce_requestid');
  return {
    specversion: '1.0',
    id,
    source,
    type,
    subject: header(message.headers, 'ce_subject') ?? message.key?.toString('utf8') ?? '',
    time: header(message.headers, 'ce_time') ?? new Date(Number(message.timestamp)).toISOString(),
    datacontenttype: 'application/json',
    data,
    ...(traceparent ? { traceparent } : {}),
    ...(tracestate ? { tracestate } : {}),
    ...(requestid ? { requestid } : {}),
  };
}
