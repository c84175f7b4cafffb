import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { isPostgres } from '../db/module-orm.factory.js';
import { changeRows, changeRowsAtCommit, jsonColumn, selectRows, tableOf } from '../db/plain-sql.js';
import { inNewTransaction } from '../db/new.transaction.js';
import type { EventEnvelope } from './event-envelope.js';
import type { EventTables, OutboxRow } from './event-tables.port.js';
import { InboxRecordSchema } from './inbox.entity.js';
import { OutboxRecordSchema } from './outbox.entity.js';

const OUTBOX_COLUMNS = 'id, type, subject, time, data, traceparent, tracestate, requestid';

type RawOutboxRow = Omit<OutboxRow, 'seq' | 'data'> & { seq: number | string; data: unknown };

/** PostgreSQL returns a bigint `seq` as text, and `data` parsed; SQLite returns a number and text. */
function toOutboxRow(row: RawOutboxRow): OutboxRow {
  return { ...row, seq: Number(row.seq), data: jsonColumn<Record<string, unknown>>(row.data) };
}

/**
 * The event tables by plain SQL through the module's ORM connection, on SQLite and PostgreSQL.
 * They are written for every event, so entity queries, hydration and tracked changes would cost
 * several times the statements (`npm run bench:orm`); on SQLite the writes inside a transaction
 * run as prepared statements on its connection (`plain-sql`).
 */
export class SqlEventTables implements EventTables {
  constructor(private readonly orm: MikroORM) {}

  async appendOutbox(em: EntityManager, events: readonly EventEnvelope[]): Promise<void> {
    if (events.length === 0) return;
    const params = events.flatMap((e) => [
      e.id,
      e.type,
      e.subject,
      e.time,
      JSON.stringify(e.data),
      e.traceparent ?? null,
      e.tracestate ?? null,
      e.requestid ?? null,
    ]);
    const rows = events.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
    // The unit of work appends its events last: on PostgreSQL the insert rides with the COMMIT.
    await changeRowsAtCommit(em, `insert into ${tableOf(em, OutboxRecordSchema)} (${OUTBOX_COLUMNS}) values ${rows}`, params);
  }

  /**
   * A record another transaction holds uncommitted makes the insert wait for it: a second replica
   * handling the same event finds it applied instead of applying it again.
   */
  async claimInbox(em: EntityManager, eventId: string, type: string): Promise<boolean> {
    return (
      (await changeRows(em, `insert into ${tableOf(em, InboxRecordSchema)} (event_id, type, processed_at) values (?, ?, ?) on conflict do nothing`, [
        eventId,
        type,
        new Date(),
      ])) === 1
    );
  }

  async claimInboxMany(em: EntityManager, events: readonly { id: string; type: string }[]): Promise<boolean[]> {
    if (events.length === 0) return [];
    const processedAt = new Date();
    const inserted = await selectRows<{ event_id: string }>(
      em,
      `insert into ${tableOf(em, InboxRecordSchema)} (event_id, type, processed_at) values ${events.map(() => '(?, ?, ?)').join(', ')} on conflict do nothing returning event_id`,
      events.flatMap(({ id, type }) => [id, type, processedAt]),
    );
    // An id twice in one batch is inserted once: only its first occurrence is applied.
    const fresh = new Set(inserted.map((r) => r.event_id));
    return events.map(({ id }) => fresh.delete(id));
  }

  async unpublished(afterSeq: number, limit: number): Promise<OutboxRow[]> {
    const em = this.orm.em;
    const rows = await selectRows<RawOutboxRow>(
      em,
      `select seq, ${OUTBOX_COLUMNS} from ${tableOf(em, OutboxRecordSchema)} where seq > ? and published_at is null order by seq limit ?`,
      [afterSeq, limit],
    );
    return rows.map(toOutboxRow);
  }

  async markPublished(seqs: readonly number[]): Promise<void> {
    if (seqs.length === 0) return;
    const em = this.orm.em;
    await changeRows(em, `update ${tableOf(em, OutboxRecordSchema)} set published_at = ? where seq in (${seqs.map(() => '?').join(', ')})`, [
      new Date(),
      ...seqs,
    ]);
  }

  async relayBatch(limit: number, lock: string, send: (rows: OutboxRow[]) => Promise<void>): Promise<number> {
    if (!isPostgres(this.orm)) {
      // One process per SQLite file: no lock, and no transaction held while the broker is away.
      const rows = await this.unpublished(0, limit);
      if (rows.length === 0) return 0;
      await send(rows);
      await this.markPublished(rows.map((r) => r.seq));
      return rows.length;
    }
    return this.relayBatchUnderLock(limit, lock, send);
  }

  /**
   * The batch's transaction in two round trips: its BEGIN goes with the first query (the lock and
   * the read, one multi-statement text), and the mark with its COMMIT. PostgreSQL runs each
   * statement of such a text with its own snapshot under READ COMMITTED (set explicitly, whatever
   * the database's default), so the read, taken after the lock is granted, sees what the replica
   * that held it last marked.
   */
  private relayBatchUnderLock(limit: number, lock: string, send: (rows: OutboxRow[]) => Promise<void>): Promise<number> {
    return inNewTransaction(this.orm.em, async (em) => {
      const table = tableOf(em, OutboxRecordSchema);
      const [, , read] = await selectRows<RawOutboxRow[]>(
        em,
        'set transaction isolation level read committed; select pg_advisory_xact_lock(hashtext(?)); ' +
          `select seq, ${OUTBOX_COLUMNS} from ${table} where published_at is null order by seq limit ?`,
        [lock, limit],
      );
      const rows = read!.map(toOutboxRow);
      if (rows.length === 0) return 0;
      await send(rows);
      await changeRowsAtCommit(em, `update ${table} set published_at = ? where seq in (${rows.map(() => '?').join(', ')})`, [
        new Date(),
        ...rows.map((r) => r.seq),
      ]);
      return rows.length;
    });
  }

  async prune(publishedBefore: Date, processedBefore: Date): Promise<{ outbox: number; inbox: number }> {
    const em = this.orm.em;
    const outbox = await changeRows(em, `delete from ${tableOf(em, OutboxRecordSchema)} where published_at < ?`, [publishedBefore]);
    const inbox = await changeRows(em, `delete from ${tableOf(em, InboxRecordSchema)} where processed_at < ?`, [processedBefore]);
    return { outbox, inbox };
  }
}
