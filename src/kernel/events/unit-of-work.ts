import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { EventContract } from './event-contract.js';
import { createEnvelope, type EventEnvelope } from './event-envelope.js';
import type { EventTables } from './event-tables.port.js';

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
    private readonly afterCommit: () => void,
  ) {}

  async run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    const events: EventEnvelope[] = [];
    // `transactional` forks its own entity manager: forking first as well would only cost time.
    const result = await this.orm.em.transactional(async (em) => {
      const value = await work({
        em,
        publish: (contract, subject, data) => {
          // A payload that breaks its own contract is a bug in the publisher: fail the transaction.
          const valid = contract.schema.parse(data);
          events.push(createEnvelope({ source: this.source, type: contract.type, subject, data: valid }));
        },
      });
      if (events.length > 0) await this.tables.appendOutbox(em, events);
      return value;
    });
    if (events.length > 0) this.afterCommit();
    return result;
  }

  /** A fresh, short-lived entity manager for reads. */
  reader(): EntityManager {
    return this.orm.em.fork();
  }
}
