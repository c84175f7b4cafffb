import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { EventEnvelope } from './event-envelope.js';
import type { EventTables, OutboxRow } from './event-tables.port.js';

/** The part of a better-sqlite3 connection used here. */
interface SqliteConnection {
  prepare(sql: string): { run(...params: unknown[]): { changes: number } };
}

interface Prepared {
  insertOutbox: ReturnType<SqliteConnection['prepare']>;
  claimInbox: ReturnType<SqliteConnection['prepare']>;
}

type RawOutboxRow = Omit<OutboxRow, 'data'> & { data: string };

/**
 * The event tables on SQLite. Inside a transaction, statements run on the transaction's own
 * connection through statements prepared once per connection: the ORM's query building would cost
 * more than the write itself. Outside a transaction (the relay, pruning) they go through the ORM's
 * connection pool, so they queue behind open transactions instead of joining one.
 * Timestamps are epoch milliseconds, as the ORM stores dates on SQLite.
 */
export class SqliteEventTables implements EventTables {
  private readonly prepared = new WeakMap<SqliteConnection, Prepared>();

  constructor(private readonly orm: MikroORM) {}

  async appendOutbox(em: EntityManager, events: readonly EventEnvelope[]): Promise<void> {
    const { insertOutbox } = await this.statements(em);
    for (const e of events)
      insertOutbox.run(e.id, e.type, e.subject, e.time, JSON.stringify(e.data), e.traceparent ?? null, e.tracestate ?? null, e.requestid ?? null);
  }

  async claimInbox(em: EntityManager, eventId: string, type: string): Promise<boolean> {
    const { claimInbox } = await this.statements(em);
    return claimInbox.run(eventId, type, Date.now()).changes === 1;
  }

  async unpublished(afterSeq: number, limit: number): Promise<OutboxRow[]> {
    const rows = await this.orm.em
      .getConnection()
      .execute<RawOutboxRow[]>(
        'select seq, id, type, subject, time, data, traceparent, tracestate, requestid from event_outbox where seq > ? and published_at is null order by seq limit ?',
        [afterSeq, limit],
      );
    return rows.map((row: RawOutboxRow) => ({ ...row, data: JSON.parse(row.data) as Record<string, unknown> }));
  }

  async markPublished(seqs: readonly number[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.orm.em
      .getConnection()
      .execute(`update event_outbox set published_at = ? where seq in (${seqs.map(() => '?').join(',')})`, [Date.now(), ...seqs], 'run');
  }

  async prune(publishedBefore: Date, processedBefore: Date): Promise<{ outbox: number; inbox: number }> {
    const connection = this.orm.em.getConnection();
    const outbox = await connection.execute<{ affectedRows: number }>('delete from event_outbox where published_at < ?', [publishedBefore.getTime()], 'run');
    const inbox = await connection.execute<{ affectedRows: number }>('delete from event_inbox where processed_at < ?', [processedBefore.getTime()], 'run');
    return { outbox: outbox.affectedRows, inbox: inbox.affectedRows };
  }

  /** The statements of the connection `em`'s transaction holds. */
  private async statements(em: EntityManager): Promise<Prepared> {
    const trx = em.getTransactionContext<{ client: { acquireConnection(): Promise<SqliteConnection> } }>();
    if (!trx) throw new Error('event tables are written inside a transaction');
    const connection = await trx.client.acquireConnection();
    let prepared = this.prepared.get(connection);
    if (!prepared) {
      prepared = {
        insertOutbox: connection.prepare(
          'insert into event_outbox (id, type, subject, time, data, traceparent, tracestate, requestid, published_at) values (?, ?, ?, ?, ?, ?, ?, ?, null)',
        ),
        claimInbox: connection.prepare('insert into event_inbox (event_id, type, processed_at) values (?, ?, ?) on conflict do nothing'),
      };
      this.prepared.set(connection, prepared);
    }
    return prepared;
  }
}
