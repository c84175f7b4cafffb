import type { EventEnvelope } from './event-envelope.js';
import type { DeliverBatchFn } from './event-transport.port.js';

export interface DeliveryBatcherOptions {
  /** Most deliveries (batches, each one handler transaction) in flight at once. */
  concurrency: number;
  /** Most events in one delivery. */
  maxBatch: number;
}

/** Counts deliveries in flight; `acquire` waits for a free slot. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free -= 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.free += 1;
    };
  }
}

interface Submitted {
  event: EventEnvelope;
  resolve(): void;
  reject(err: unknown): void;
}

export class DeliveryStopping extends Error {
  constructor() {
    super('the consumer is stopping');
  }
}

/**
 * Gathers the events submitted in one turn of the event loop and hands them to the consumer
 * together, so that the events at the head of their subjects at a given moment share one
 * transaction. The caller keeps per-subject order (it submits an event only once its subject's
 * previous one is dealt with), so a batch never holds two events of one subject.
 */
export class DeliveryBatcher {
  private readonly slots: Slots;
  private submitted: Submitted[] = [];
  private flushing = false;
  private stopping = false;

  constructor(
    private readonly deliverBatch: DeliverBatchFn,
    private readonly options: DeliveryBatcherOptions,
  ) {
    this.slots = new Slots(options.concurrency);
  }

  /** Resolves or rejects as the consumer's `deliver` would for this event. */
  submit(event: EventEnvelope): Promise<void> {
    if (this.stopping) return Promise.reject(new DeliveryStopping());
    return new Promise<void>((resolve, reject) => {
      this.submitted.push({ event, resolve, reject });
      if (this.flushing) return;
      this.flushing = true;
      // Let the other subjects that became ready in this turn join the delivery.
      setImmediate(() => void this.flush());
    });
  }

  /** Refuses what has not been handed over yet (`DeliveryStopping`), and anything submitted later. */
  stop(): void {
    this.stopping = true;
  }

  /** Hands the submitted events over, in batches, as delivery slots come free. */
  private async flush(): Promise<void> {
    try {
      while (this.submitted.length > 0) {
        const release = await this.slots.acquire();
        const batch = this.submitted.splice(0, this.options.maxBatch);
        if (this.stopping) {
          release();
          for (const s of [...batch, ...this.submitted.splice(0)]) s.reject(new DeliveryStopping());
          return;
        }
        let results: Promise<void>[];
        try {
          results = this.deliverBatch(batch.map((s) => s.event));
        } catch (err) {
          results = batch.map(() => Promise.reject(err));
        }
        results.forEach((result, i) => void result.then(batch[i]!.resolve, batch[i]!.reject));
        void Promise.allSettled(results).then(release);
      }
    } finally {
      // Events submitted while this ran were taken by the loop above.
      this.flushing = false;
    }
  }
}
