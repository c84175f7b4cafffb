import ee2 from 'eventemitter2';
import type { EventEnvelope } from './event-envelope.js';
import { DeliveryBatcher } from './delivery.batcher.js';
import type { DeliverBatchFn, DeliverFn, EventTransport } from './event-transport.port.js';
import { KeyedSerialQueue } from './keyed-serial.queue.js';

const { EventEmitter2 } = ee2;

/**
 * Events of distinct subjects at hand in one turn go to a group in one delivery (one transaction),
 * as on Kafka. No cap on deliveries in flight: in one process a retrying event must not take a
 * slot that other subjects need, and the module's single SQLite connection already serialises them.
 */
const BATCHING = { concurrency: Number.POSITIVE_INFINITY, maxBatch: 64 };

/**
 * The transport of the all-in-one process. `publish` resolves only after every subscribed group
 * has dealt with the event, so the relay marks an outbox row published only once nothing can be
 * lost by a crash; a crash before that re-delivers from the outbox and the inbox absorbs it.
 */
export class MemoryTransport implements EventTransport {
  readonly name = 'memory';
  readonly pipelined = true;
  private readonly emitter = new EventEmitter2({ maxListeners: 100 });
  private readonly queues: KeyedSerialQueue[] = [];
  private running = false;

  async publish(event: EventEnvelope): Promise<void> {
    if (!this.running) throw new Error('memory transport is stopped');
    await this.emitter.emitAsync(event.source, event);
  }

  declareSource(): void {
    // Every publisher reaches every subscriber through the one emitter.
  }

  async deadLetter(): Promise<void> {
    // In one process the consumer's dead-letter table is the whole story.
  }

  async subscribe(_group: string, sources: readonly string[], deliver: DeliverFn, deliverBatch?: DeliverBatchFn): Promise<void> {
    const queue = new KeyedSerialQueue();
    this.queues.push(queue);
    const batcher = new DeliveryBatcher(deliverBatch ?? ((events) => events.map(deliver)), BATCHING);
    const listener = (event: EventEnvelope) => queue.push(event.subject, () => batcher.submit(event));
    for (const source of sources) this.emitter.on(source, listener);
  }

  async start(): Promise<void> {
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.queues.map((q) => q.idle()));
    this.emitter.removeAllListeners();
  }

  async healthy(): Promise<boolean> {
    return this.running;
  }
}
