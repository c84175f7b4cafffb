import type { EntityManager } from '@mikro-orm/core';
import type { EventEnvelope } from './event-envelope.js';

/** An outbox row as the relay reads it: the event and its place in the module's outbox order. */
export interface OutboxRow {
  seq: number;
  id: string;
  type: string;
  subject: string;
  time: string;
  data: Record<string, unknown>;
  traceparent: string | null;
  tracestate: string | null;
  requestid: string | null;
}

/**
 * The kernel's own hot tables (outbox and inbox) in one module's database. They are written on
 * every event, so each database gets the cheapest correct access: plain statements, prepared once
 * per connection on SQLite.
 */
export interface EventTables {
  /** Adds events to the outbox inside the transaction `em` is bound to. */
  appendOutbox(em: EntityManager, events: readonly EventEnvelope[]): Promise<void>;
  /**
   * Records an event in the inbox inside the handler's transaction `em` is bound to; false when it
   * is there already (the event was applied before).
   */
  claimInbox(em: EntityManager, eventId: string, type: string): Promise<boolean>;
  /** `claimInbox` for the events of one transaction (a consumer's batch), one answer per event in order. */
  claimInboxMany(em: EntityManager, events: readonly { id: string; type: string }[]): Promise<boolean[]>;
  /** Committed rows not yet marked published with a seq above `afterSeq`, oldest first. */
  unpublished(afterSeq: number, limit: number): Promise<OutboxRow[]>;
  markPublished(seqs: readonly number[]): Promise<void>;
  /**
   * Hands the oldest unpublished rows (at most `limit`) to `send` and marks them published once it
   * resolves; when it fails they stay unpublished. On PostgreSQL the batch is read and marked in one
   * transaction that holds the advisory lock `lock`, so that replicas relay one batch at a time.
   * Returns how many rows were sent.
   */
  relayBatch(limit: number, lock: string, send: (rows: OutboxRow[]) => Promise<void>): Promise<number>;
  /** Deletes outbox rows published and inbox records processed before the given times; returns the counts. */
  prune(publishedBefore: Date, processedBefore: Date): Promise<{ outbox: number; inbox: number }>;
}
