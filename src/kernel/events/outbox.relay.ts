import type { MikroORM } from '@mikro-orm/core';
import { selectRows, tableOf } from '../db/plain-sql.js';
import type { Logger } from 'pino';
import { NO_EVENT_TRACING, type EventTracing } from './event-tracing.js';
import type { EventEnvelope } from './event-envelope.js';
import type { EventTables, OutboxRow } from './event-tables.port.js';
import type { EventTransport } from './event-transport.port.js';
import { OutboxRecordSchema, type OutboxRecord } from './outbox.entity.js';

export interface RelayOptions {
  intervalMs: number;
  batchSize: number;
  /**
   * For a broker: after a nudge, how long a pass waits for more commits before it reads the
   * outbox, so that one pass (one transaction, one Kafka request) carries them all. 0: at once.
   */
  lingerMs?: number;
}

/**
 * In one process every commit wakes its relay, so polling only catches what a wake-up missed
 * (a row that committed after higher-numbered ones, a row left unmarked; a refused hand-over is
 * retried sooner, below): it can be rare, and an idle process stays idle.
 */
const IN_PROCESS_POLL_MS = 5_000;

export function toEnvelope(source: string, row: OutboxRecord | OutboxRow): EventEnvelope {
  return {
    specversion: '1.0',
    id: row.id,
    source,
    type: row.type,
    subject: row.subject,
    time: row.time,
    datacontenttype: 'application/json',
    data: row.data,
    ...(row.traceparent ? { traceparent: row.traceparent } : {}),
    ...(row.tracestate ? { tracestate: row.tracestate } : {}),
    ...(row.requestid ? { requestid: row.requestid } : {}),
  };
}

/**
 * Moves committed events from one module's outbox to the transport, at least once and in outbox
 * order. After a restart everything unmarked is handed over again; consumers' inboxes absorb the
 * repeats.
 */
export class OutboxRelay {
  /** Highest seq handed to the transport in this process's life. */
  private dispatchedUpTo = 0;
  /** Rows handed to the transport (or waiting for an earlier one of their subject) and not yet marked. */
  private readonly handedOver = new Set<number>();
  /** While a pass reads: rows marked meanwhile, which its read may still show unmarked. */
  private markedDuringRead: Set<number> | undefined;
  /** The next pass reads the outbox from its start rather than after `dispatchedUpTo`. */
  private sweepDue = false;
  private readonly inFlight = new Set<Promise<void>>();
  /** Per subject, the latest hand-over in flight (pipelined passes): the next one of that subject goes after it. */
  private readonly lastBySubject = new Map<string, { seq: number; taken: Promise<boolean> }>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  /** Rows taken by the transport and not yet marked: marked together, one statement per batch. */
  private toMark: number[] = [];
  private marking: Promise<void> | undefined;
  private again = false;
  /** The pass has not read the outbox yet: a nudge now needs no further pass. */
  private lingering = false;
  /** The last pass was full: the next goes at once. */
  private behind = false;
  private running = false;
  private pendingQuery: string | undefined;

  constructor(
    private readonly source: string,
    private readonly orm: MikroORM,
    private readonly tables: EventTables,
    private readonly transport: EventTransport,
    private readonly options: RelayOptions,
    private readonly logger: Logger,
    private readonly tracing: EventTracing = NO_EVENT_TRACING,
  ) {}

  /** Hands one event to the transport (in a producer span when tracing). */
  private readonly send = (event: EventEnvelope): Promise<void> => this.tracing.send(event, (e) => this.transport.publish(e));

  start(): void {
    this.running = true;
    const every = this.transport.pipelined ? Math.max(this.options.intervalMs, IN_PROCESS_POLL_MS) : this.options.intervalMs;
    this.timer = setInterval(() => this.poll(), every);
    this.timer.unref();
    this.nudge();
  }

  /** Asks for a relay pass soon; passes never overlap, and a request during one causes another. */
  nudge(): void {
    if (!this.running) return;
    if (this.ticking) {
      if (!this.lingering) this.again = true;
      return;
    }
    this.run(false);
  }

  /**
   * The timer's pass, for what no commit of this process announced (rows left by a replica that
   * died, publishes that failed). On a broker it first asks whether anything waits at all, outside
   * any transaction or lock: on a quiet system that one query is all a poll costs.
   */
  private poll(): void {
    if (this.transport.pipelined) {
      this.sweepDue = true;
      this.nudge();
    } else if (this.running && !this.ticking) this.run(true);
  }

  private run(probe: boolean): void {
    this.ticking = this.tick(probe)
      .catch((err: unknown) => this.logger.error({ err }, 'outbox relay pass failed'))
      .finally(() => {
        this.ticking = undefined;
        if (this.again) {
          this.again = false;
          this.nudge();
        }
      });
  }

  /** Stops taking new rows and waits for the handed-over ones to be dealt with. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Stops at once without waiting for anything (the process is going down hard). */
  halt(): void {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
  }

  /** Events in flight or waiting, for tests and drain. */
  async idle(): Promise<void> {
    while (this.ticking || this.inFlight.size > 0) {
      await this.ticking;
      await Promise.allSettled([...this.inFlight]);
    }
  }

  private async tick(probe: boolean): Promise<void> {
    if (probe && !(await this.anyPending())) return;
    const linger = this.transport.pipelined || this.behind ? 0 : (this.options.lingerMs ?? 0);
    this.behind = false;
    if (linger > 0) {
      this.lingering = true;
      await new Promise((resolve) => setTimeout(resolve, linger));
      this.lingering = false;
    }
    await this.pass();
  }

  /** One plain query (no entity work): most polls ask it and nothing more. */
  private async anyPending(): Promise<boolean> {
    this.pendingQuery ??= `select 1 from ${tableOf(this.orm.em, OutboxRecordSchema)} where published_at is null limit 1`;
    return (await selectRows(this.orm.em, this.pendingQuery, [])).length > 0;
  }

  private pass(): Promise<void> {
    return this.transport.pipelined ? this.pipelinedPass() : this.claimedPass();
  }

  /**
   * For a broker: publish a batch, then mark it; a failed publish leaves the rows for the next
   * pass. On PostgreSQL the pass runs in a transaction that first takes the module's advisory
   * lock, on the transaction's own connection (so it is held until commit or rollback, and goes
   * with the connection if the process dies): replicas relay one at a time, each pass reading
   * only what the previous one left unmarked, so no row is published twice and outbox order is
   * kept. A replica that finds the lock taken waits for it rather than skipping its pass: its own
   * commits are then relayed as soon as the other pass ends, not one poll later. SQLite has one
   * process per file and a single connection, which must not be held while a broker is away.
   */
  private async claimedPass(): Promise<void> {
    const relayed = await this.tables.relayBatch(this.options.batchSize, `outbox:${this.source}`, async (rows) => {
      await Promise.all(rows.map((row) => this.send(toEnvelope(this.source, row))));
    });
    if (relayed === this.options.batchSize) this.again = this.behind = true;
  }

  /**
   * For the in-memory transport, whose `publish` waits for the consumers: hand rows over without
   * waiting for each other and mark each when it is done. A pass reads after the highest row it
   * handed over, except the timer's, which reads from the start: on PostgreSQL, transactions take
   * their outbox numbers before they commit, and may commit in another order, so a row can turn
   * up below rows already relayed.
   */
  private async pipelinedPass(): Promise<void> {
    const from = this.dispatchedUpTo;
    const sweep = this.sweepDue;
    this.sweepDue = false;
    const marked = new Set<number>();
    this.markedDuringRead = marked;
    // Rows in flight come back unmarked and are skipped: a full page still holds a batch of others.
    const limit = this.options.batchSize + this.handedOver.size;
    let rows: OutboxRow[];
    try {
      rows = await this.tables.unpublished(sweep ? 0 : from, limit);
    } finally {
      this.markedDuringRead = undefined;
    }
    // A hand-over was refused while we read: read again from there, or that row would be skipped.
    if (this.dispatchedUpTo < from) {
      this.sweepDue ||= sweep;
      this.again = true;
      return;
    }
    for (const row of rows) {
      if (this.handedOver.has(row.seq) || marked.has(row.seq)) continue;
      this.dispatchedUpTo = Math.max(this.dispatchedUpTo, row.seq);
      const previous = this.lastBySubject.get(row.subject);
      // A row handed over again after a refusal, or found late by a sweep, does not wait for the later ones.
      const taken = this.handOver(row, previous && previous.seq < row.seq ? previous.taken : undefined);
      if (previous && previous.seq > row.seq) {
        // Found late, below a row of its subject in flight: its transaction and that row's did not
        // touch the same rows (one would have waited for the other's commit, and numbered after it),
        // so no order between them is owed, and the subject's next row keeps waiting for the later one.
        this.track(taken.then(() => undefined));
        continue;
      }
      const entry = { seq: row.seq, taken };
      this.lastBySubject.set(row.subject, entry);
      this.track(
        taken.then(() => {
          if (this.lastBySubject.get(row.subject) === entry) this.lastBySubject.delete(row.subject);
        }),
      );
    }
    if (rows.length === limit) this.again = true;
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /**
   * Resolves with whether the transport took the row. After `previous` (the subject's earlier
   * hand-over) was refused, the row is not handed over at all: it would overtake that one, which is
   * handed over again, followed by this one, on a later pass.
   */
  private async handOver(row: OutboxRow, previous?: Promise<boolean>): Promise<boolean> {
    this.handedOver.add(row.seq);
    if (previous && !(await previous)) {
      this.dispatchedUpTo = Math.min(this.dispatchedUpTo, row.seq - 1);
      this.handedOver.delete(row.seq);
      return false;
    }
    try {
      await this.send(toEnvelope(this.source, row));
    } catch (err) {
      // Not taken: hand it (and what follows) over again on a later pass.
      this.dispatchedUpTo = Math.min(this.dispatchedUpTo, row.seq - 1);
      this.handedOver.delete(row.seq);
      this.logger.warn({ err, eventId: row.id, type: row.type }, 'event not handed over; will retry');
      setTimeout(() => this.nudge(), this.options.intervalMs).unref();
      return false;
    }
    this.track(this.markPublished(row.seq));
    return true;
  }

  /** Marks a taken row soon, together with the others taken meanwhile. */
  private markPublished(seq: number): Promise<void> {
    this.toMark.push(seq);
    this.marking ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const seqs = this.toMark;
      this.toMark = [];
      this.marking = undefined;
      try {
        await this.tables.markPublished(seqs);
        for (const seq of seqs) this.markedDuringRead?.add(seq);
      } catch (err) {
        // Left unmarked, the rows are handed over again by the next sweep and deduplicated downstream.
        this.logger.warn({ err, events: seqs.length }, 'could not mark events published');
      } finally {
        for (const seq of seqs) this.handedOver.delete(seq);
      }
    });
    return this.marking;
  }
}
