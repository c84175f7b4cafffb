import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { Logger } from 'pino';
import { fromKafkaMessage } from './cloudevents-kafka.codec.js';
import type { EventEnvelope } from './event-envelope.js';
import type { DeliverBatchFn } from './event-transport.port.js';
import { DeliveryBatcher } from './delivery.batcher.js';
import { KeyedSerialQueue } from './keyed-serial.queue.js';

export interface GroupConsumerOptions {
  /** Most deliveries (batches, each one handler transaction) of the group in flight at once. */
  concurrency: number;
  /** Most events in one delivery: events of distinct subjects at hand at once go together. */
  maxBatch: number;
  /** A partition with this many events taken but not yet dealt with is paused until half of them are. */
  maxBufferedPerPartition: number;
  /** How long finished offsets may wait before they are committed (commits are coalesced). */
  commitIntervalMs: number;
  /** Backoff between deliveries of an event whose `deliver` rejected (it is delivered again, in place). */
  redelivery: { initialDelayMs: number; maxDelayMs: number };
  /** The module whose topic this is: an event's source is its topic's, whatever its header says. */
  sourceOf?: (topic: string) => string | undefined;
  logger: Logger;
}

interface Taken {
  offset: number;
  done: boolean;
}

/**
 * The offsets of one assigned partition: which messages were taken from Kafka, which of them are
 * dealt with, and so which offset may be committed: the one after the longest finished prefix.
 * A committed offset never passes an event that is not dealt with, so a crash redelivers from
 * the first unfinished event on (and the inboxes absorb what had been applied after it).
 */
export class PartitionOffsets {
  /** The offset after the last message taken: messages below it that Kafka hands over again are already in hand. */
  private next = -1;
  private readonly taken: Taken[] = [];
  private head = 0;
  /** Taken and not dealt with yet. */
  unfinished = 0;
  /** The offset to commit: everything below it is dealt with. */
  committable: number | undefined;
  committed: number | undefined;
  /** Set when the group gave the partition to another member: its events not started are left to that one. */
  revoked = false;
  paused = false;
  /** The partition's end as last fetched (for the lag). */
  highWatermark: number | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  /** Undefined when the message is already in hand (Kafka fetched it again after a rebalance). */
  take(offset: number): Taken | undefined {
    if (offset < this.next) return undefined;
    this.next = offset + 1;
    const entry = { offset, done: false };
    this.taken.push(entry);
    this.unfinished += 1;
    return entry;
  }

  /** Messages between what is dealt with and the partition's end as last fetched. */
  lag(): number | undefined {
    if (this.highWatermark === undefined || this.revoked) return undefined;
    const from = this.committable ?? this.taken[this.head]?.offset ?? this.highWatermark;
    return Math.max(0, this.highWatermark - from);
  }

  /** Marks a taken message dealt with; true when the committable offset moved. */
  finish(entry: Taken): boolean {
    if (entry.done) return false;
    entry.done = true;
    this.unfinished -= 1;
    const before = this.committable;
    while (this.head < this.taken.length && this.taken[this.head]!.done) {
      this.committable = this.taken[this.head]!.offset + 1;
      this.head += 1;
    }
    if (this.head > 1024 && this.head * 2 > this.taken.length) {
      this.taken.splice(0, this.head);
      this.head = 0;
    }
    return this.committable !== before;
  }
}

/**
 * One consumer group of one module over kafkajs, with its offsets managed here rather than by
 * kafkajs: every fetched message is taken at once (so kafkajs fetches on), and its event is
 * delivered in order per subject but concurrently across subjects and partitions. An event whose
 * delivery is retried or slow therefore holds back only the later events of its own subject.
 * The events at the head of their subjects at a given moment are delivered together, up to
 * `maxBatch` in one delivery and `concurrency` deliveries at a time. Per partition, only the
 * finished prefix is committed. Memory stays bounded: a partition with `maxBufferedPerPartition`
 * events in hand is paused.
 */
export class KafkaGroupConsumer {
  private readonly queue = new KeyedSerialQueue();
  private readonly partitions = new Map<string, PartitionOffsets>();
  private readonly batcher: DeliveryBatcher;
  private stopping = false;
  private commitTimer: NodeJS.Timeout | undefined;
  private committing: Promise<void> | undefined;
  /** Wakes deliveries waiting to be retried, when stopping. */
  private readonly sleepers = new Set<() => void>();

  constructor(
    private readonly consumer: Consumer,
    private readonly topics: readonly string[],
    deliverBatch: DeliverBatchFn,
    private readonly options: GroupConsumerOptions,
  ) {
    this.batcher = new DeliveryBatcher(deliverBatch, options);
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => this.assigned(payload.memberAssignment));
  }

  /** For `consumer.run({ eachBatch, eachBatchAutoResolve: false, autoCommit: false })`. */
  readonly eachBatch = async ({ batch, resolveOffset }: EachBatchPayload): Promise<void> => {
    if (this.stopping) return;
    const offsets = this.partitionOffsets(batch.topic, batch.partition);
    offsets.highWatermark = Number(batch.highWatermark);
    for (const message of batch.messages) {
      // Resolved for kafkajs's fetch position only: what is committed is decided here.
      resolveOffset(message.offset);
      const entry = offsets.take(Number(message.offset));
      if (!entry) continue;
      const read = fromKafkaMessage(message);
      // The topic says who published, not the ce_source header, which any writer sets: the
      // consumer then refuses a type its declaring module did not send (see EventConsumer).
      const topicSource = this.options.sourceOf?.(batch.topic);
      const event = read && topicSource && read.source !== topicSource ? { ...read, source: topicSource } : read;
      if (!event) {
        this.options.logger.warn({ topic: batch.topic, partition: batch.partition, offset: message.offset }, 'skipping a message that is not a CloudEvent');
        this.finished(offsets, entry);
        continue;
      }
      void this.queue.push(event.subject, () => this.handle(offsets, entry, event));
    }
    if (!offsets.paused && offsets.unfinished >= this.options.maxBufferedPerPartition) {
      offsets.paused = true;
      this.consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
    }
  };

  /** Lag per assigned partition (metrics). */
  lag(): { topic: string; partition: number; lag: number }[] {
    const out: { topic: string; partition: number; lag: number }[] = [];
    for (const offsets of this.partitions.values()) {
      const lag = offsets.lag();
      if (lag !== undefined) out.push({ topic: offsets.topic, partition: offsets.partition, lag });
    }
    return out;
  }

  /**
   * Stops taking messages, leaves the events not started yet (they are delivered again after a
   * restart or to the member that takes the partition over), lets those being delivered finish,
   * and commits what is done. Call before disconnecting the kafkajs consumer.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.batcher.stop();
    this.consumer.pause(this.topics.map((topic) => ({ topic })));
    for (const wake of this.sleepers) wake();
    await this.queue.idle();
    clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    await this.committing;
    await this.commit().catch(() => undefined);
  }

  private partitionOffsets(topic: string, partition: number): PartitionOffsets {
    const key = `${partition}:${topic}`;
    let offsets = this.partitions.get(key);
    if (!offsets) {
      offsets = new PartitionOffsets(topic, partition);
      this.partitions.set(key, offsets);
    }
    return offsets;
  }

  /** After a rebalance: partitions no longer ours are dropped (and resumed, should they come back). */
  private assigned(assignment: Record<string, number[]>): void {
    for (const [key, offsets] of this.partitions) {
      if (assignment[offsets.topic]?.includes(offsets.partition)) continue;
      offsets.revoked = true;
      this.partitions.delete(key);
      if (offsets.paused) this.consumer.resume([{ topic: offsets.topic, partitions: [offsets.partition] }]);
    }
  }

  private async handle(offsets: PartitionOffsets, entry: Taken, event: EventEnvelope): Promise<void> {
    let delay = this.options.redelivery.initialDelayMs;
    for (;;) {
      if (this.stopping || offsets.revoked) return;
      let failure: { err: unknown } | undefined;
      try {
        await this.batcher.submit(event);
      } catch (err) {
        failure = { err };
      }
      if (!failure) break;
      if (this.stopping || offsets.revoked) return;
      this.options.logger.warn({ err: failure.err, eventId: event.id, type: event.type, retryInMs: delay }, 'event not dealt with; delivering it again');
      await this.sleep(delay);
      delay = Math.min(delay * 2, this.options.redelivery.maxDelayMs);
    }
    this.finished(offsets, entry);
  }

  private finished(offsets: PartitionOffsets, entry: Taken): void {
    if (offsets.finish(entry) && !offsets.revoked) this.commitSoon();
    if (offsets.paused && !offsets.revoked && offsets.unfinished <= this.options.maxBufferedPerPartition / 2) {
      offsets.paused = false;
      if (!this.stopping) this.consumer.resume([{ topic: offsets.topic, partitions: [offsets.partition] }]);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  private commitSoon(): void {
    if (this.commitTimer || this.stopping) return;
    this.commitTimer = setTimeout(() => {
      this.commitTimer = undefined;
      void this.commit().catch((err: unknown) => {
        this.options.logger.warn({ err }, 'could not commit consumed offsets; will try again');
        this.commitSoon();
      });
    }, this.options.commitIntervalMs);
  }

  /** Commits every partition's finished prefix that moved since its last commit (one request). */
  private commit(): Promise<void> {
    this.committing ??= (async () => {
      try {
        const due = [...this.partitions.values()].filter((p) => !p.revoked && p.committable !== undefined && p.committable > (p.committed ?? -1));
        if (due.length === 0) return;
        const values = due.map((p) => p.committable!);
        await this.consumer.commitOffsets(due.map((p, i) => ({ topic: p.topic, partition: p.partition, offset: String(values[i]) })));
        due.forEach((p, i) => {
          p.committed = Math.max(p.committed ?? -1, values[i]!);
        });
      } finally {
        this.committing = undefined;
      }
      // Progress made meanwhile goes with the next commit.
      if ([...this.partitions.values()].some((p) => !p.revoked && p.committable !== undefined && p.committable > (p.committed ?? -1))) this.commitSoon();
    })();
    return this.committing;
  }
}
