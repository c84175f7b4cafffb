import type { EventEnvelope } from './event-envelope.js';

/**
 * Delivers one event to one consuming group. It resolves once the event is dealt with for good
 * (handled and recorded in the inbox, or dead-lettered); a rejection means "deliver it again".
 */
export type DeliverFn = (event: EventEnvelope) => Promise<void>;

/**
 * Delivers events of distinct subjects that are at hand at once, possibly in one transaction: one
 * promise per event, with `DeliverFn`'s meaning each.
 */
export type DeliverBatchFn = (events: readonly EventEnvelope[]) => Promise<void>[];

/**
 * How events move between processes. The reliability (outbox, inbox, retries, dead letters) lives
 * above this port, so every transport gives the same semantics.
 */
export interface EventTransport {
  readonly name: string;
  /**
   * True when `publish` may take long (it waits for consumers), so the relay hands events over
   * without waiting for each other; false when it only waits for a broker's acknowledgement, so
   * the relay publishes a claimed batch and marks it in the same transaction.
   */
  readonly pipelined: boolean;
  /** Announces a module that will publish, so the transport can prepare its stream. */
  declareSource(source: string): void;
  /**
   * Hands one event over. Resolves when the transport has taken responsibility for it, so the
   * outbox row may be marked published: for the in-memory transport that is when every local
   * consumer has dealt with it; for a broker, when the broker acknowledged it. Events of one
   * subject are handed over in outbox order.
   */
  publish(event: EventEnvelope): Promise<void>;
  /** Records that a group gave up on an event (a broker's dead-letter topic); may do nothing. */
  deadLetter(group: string, event: EventEnvelope, reason: string): Promise<void>;
  /**
   * Registers a consuming group (one per module) for events from the given sources. A transport
   * that has several events at hand at once may hand them to `deliverBatch` instead of `deliver`.
   */
  subscribe(group: string, sources: readonly string[], deliver: DeliverFn, deliverBatch?: DeliverBatchFn): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Whether the transport can currently move events (for readiness). */
  healthy(): Promise<boolean>;
  /** A broker's consumer lag per group and partition (metrics); absent in memory. */
  lag?(): ConsumerLag[];
}

export interface ConsumerLag {
  group: string;
  topic: string;
  partition: number;
  lag: number;
}
