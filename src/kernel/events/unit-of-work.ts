import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { SpanKind } from '@opentelemetry/api';
import { isPostgres } from '../db/module-orm.factory.js';
import { inNewTransaction } from '../db/new.transaction.js';
import type { RequestContext } from '../observability/request-context.js';
import { NO_TRACING, type Tracing } from '../observability/tracing/tracing.js';
import type { EventContract } from './event-contract.js';
import { createEnvelope, type EventEnvelope } from './event-envelope.js';
import type { EventTables } from './event-tables.port.js';

/** Where the events of a transaction get their trace context and request id. */
export interface EventOrigin {
  tracing: Tracing;
  requests?: RequestContext;
}

/** One database transaction of one module: its state changes and the events they cause. */
export interface Transaction {
  readonly em: EntityManager;
  /** Adds an event to the outbox; it is relayed only if the transaction commits. */
  publish<T>(contract: EventContract<T>, subject: string, data: T): void;
}

/** Runs a module's work in one transaction over its own database and tells the relay afterwards. */
export class UnitOfWork {
  constructor(
    private readonly orm: MikroORM,
    private readonly source: string,
    private readonly tables: EventTables,
    /** Called after a transaction that published events committed, so they leave without waiting for a poll. */
    private readonly afterCommit: (events: readonly EventEnvelope[]) => void,
    private readonly origin: EventOrigin = { tracing: NO_TRACING },
  ) {}

  /** One transaction; with tracing on, in a span of its own (named after the module). */
  run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    const { tracing } = this.origin;
    if (!tracing.enabled) return this.transact(work);
    const attributes = { 'db.system.name': isPostgres(this.orm) ? 'postgresql' : 'sqlite', 'db.namespace': this.source, 'mercato.module': this.source };
    return tracing.inSpan(`transaction ${this.source}`, { kind: SpanKind.INTERNAL, attributes }, () => this.transact(work));
  }

  private async transact<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    const events: EventEnvelope[] = [];
    const result = await inNewTransaction(this.orm.em, async (em) => {
      const value = await work({
        em,
        publish: (contract, subject, data) => {
          // A payload that breaks its own contract is a bug in the publisher: fail the transaction.
          const valid = contract.schema.parse(data);
          // The CloudEvents extensions: the span in progress (this transaction's) and the request behind it.
          const trace = this.origin.tracing.current();
          const requestid = this.origin.requests?.current()?.requestId;
          events.push(createEnvelope({ source: this.source, type: contract.type, subject, data: valid, ...trace, requestid }));
        },
      });
      if (events.length > 0) await this.tables.appendOutbox(em, events);
      return value;
    });
    if (events.length > 0) this.afterCommit(events);
    return result;
  }

  /** A fresh, short-lived entity manager for reads. */
  reader(): EntityManager {
    return this.orm.em.fork();
  }
}
