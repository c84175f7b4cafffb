import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { EventContract } from '../events/event-contract.js';
import { createEnvelope } from '../events/event-envelope.js';
import { OutboxRecordSchema } from '../events/outbox.entity.js';

/** One database transaction of one module: its state changes and the events they cause. */
export interface Transaction {
  readonly em: EntityManager;
  /** Adds an event to the outbox; it is relayed only if the transaction commits. */
  publish<T>(contract: EventContract<T>, subject: string, data: T): void;
}

export function openTransaction(em: EntityManager, source: string): Transaction {
  return {
    em,
    publish(contract, subject, data) {
      // A payload that breaks its own contract is a bug in the publisher: fail the transaction.
      const valid = contract.schema.parse(data) as Record<string, unknown>;
      const envelope = createEnvelope({ source, type: contract.type, subject, data: valid });
      em.create(OutboxRecordSchema, {
        id: envelope.id,
        type: envelope.type,
        subject: envelope.subject,
        time: envelope.time,
        data: valid,
        traceparent: envelope.traceparent ?? null,
        publishedAt: null,
      });
    },
  };
}

/** Runs a module's work in one transaction over its own database and tells the relay afterwards. */
export class UnitOfWork {
  constructor(
    private readonly orm: MikroORM,
    private readonly source: string,
    private readonly afterCommit: () => void,
  ) {}

  async run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    const result = await this.orm.em.fork().transactional((em) => work(openTransaction(em, this.source)));
    this.afterCommit();
    return result;
  }

  /** A fresh, short-lived entity manager for reads. */
  reader(): EntityManager {
    return this.orm.em.fork();
  }
}
