import { EntitySchema, type Opt } from '@mikro-orm/core';

/** An event waiting in (or already relayed from) the publishing module's own database. */
export interface OutboxRecord {
  /** Insertion order: the relay publishes in this order, which keeps per-subject order. */
  seq: Opt<number>;
  id: string;
  type: string;
  subject: string;
  time: string;
  data: Record<string, unknown>;
  traceparent?: string | null;
  /** CloudEvents extensions of the publishing request: its W3C tracestate and its request id. */
  tracestate?: string | null;
  requestid?: string | null;
  publishedAt?: Date | null;
}

export const OutboxRecordSchema = new EntitySchema<OutboxRecord>({
  name: 'OutboxRecord',
  tableName: 'event_outbox',
  properties: {
    seq: { type: 'integer', primary: true, autoincrement: true },
    id: { type: 'uuid', unique: true },
    type: { type: 'string', length: 200 },
    subject: { type: 'string', length: 200 },
    time: { type: 'string', length: 40 },
    data: { type: 'json' },
    traceparent: { type: 'string', length: 100, nullable: true },
    tracestate: { type: 'string', length: 512, nullable: true },
    requestid: { type: 'string', length: 128, nullable: true },
    publishedAt: { type: 'datetime', nullable: true, index: true },
  },
});
