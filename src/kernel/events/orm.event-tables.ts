import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { EventEnvelope } from './event-envelope.js';
import type { EventTables, OutboxRow } from './event-tables.port.js';
import { InboxRecordSchema } from './inbox.entity.js';
import { OutboxRecordSchema } from './outbox.entity.js';

/** The event tables through the module's ORM entities: any database MikroORM speaks. */
export class OrmEventTables implements EventTables {
  constructor(private readonly orm: MikroORM) {}

  async appendOutbox(em: EntityManager, events: readonly EventEnvelope[]): Promise<void> {
    for (const event of events) {
      em.create(OutboxRecordSchema, {
        id: event.id,
        type: event.type,
        subject: event.subject,
        time: event.time,
        data: event.data as Record<string, unknown>,
        traceparent: event.traceparent ?? null,
        tracestate: event.tracestate ?? null,
        requestid: event.requestid ?? null,
        publishedAt: null,
      });
    }
  }

  async claimInbox(em: EntityManager, eventId: string, type: string): Promise<boolean> {
    if (await em.findOne(InboxRecordSchema, { eventId })) return false;
    em.create(InboxRecordSchema, { eventId, type, processedAt: new Date() });
    return true;
  }

  /** One query for the batch's earlier records instead of one per event; the new ones are flushed together at commit. */
  async claimInboxMany(em: EntityManager, events: readonly { id: string; type: string }[]): Promise<boolean[]> {
    const seen = new Set(
      (await em.find(InboxRecordSchema, { eventId: { $in: events.map((e) => e.id) } }, { fields: ['eventId'], disableIdentityMap: true })).map(
        (r) => r.eventId,
      ),
    );
    const processedAt = new Date();
    return events.map(({ id, type }) => {
      if (seen.has(id)) return false;
      seen.add(id);
      em.create(InboxRecordSchema, { eventId: id, type, processedAt });
      return true;
    });
  }

  async unpublished(afterSeq: number, limit: number): Promise<OutboxRow[]> {
    const rows = await this.orm.em.fork().find(OutboxRecordSchema, { publishedAt: null, seq: { $gt: afterSeq } }, { orderBy: { seq: 'asc' }, limit });
    return rows.map(({ seq, id, type, subject, time, data, traceparent, tracestate, requestid }) => ({
      seq,
      id,
      type,
      subject,
      time,
      data,
      traceparent: traceparent ?? null,
      tracestate: tracestate ?? null,
      requestid: requestid ?? null,
    }));
  }

  async markPublished(seqs: readonly number[]): Promise<void> {
    if (seqs.length > 0) await this.orm.em.fork().nativeUpdate(OutboxRecordSchema, { seq: { $in: [...seqs] } }, { publishedAt: new Date() });
  }

  async prune(publishedBefore: Date, processedBefore: Date): Promise<{ outbox: number; inbox: number }> {
    const em = this.orm.em.fork();
    const outbox = await em.nativeDelete(OutboxRecordSchema, { publishedAt: { $lt: publishedBefore } });
    const inbox = await em.nativeDelete(InboxRecordSchema, { processedAt: { $lt: processedBefore } });
    return { outbox, inbox };
  }
}
