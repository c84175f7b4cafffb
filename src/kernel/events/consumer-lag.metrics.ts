import { Gauge, type Registry } from 'prom-client';
import type { ConsumerLag } from './event-transport.port.js';

/** Consumer lag per consuming group and partition, read from the transport at scrape time. */
export function registerConsumerLag(registry: Registry, lag: () => readonly ConsumerLag[]): void {
  new Gauge({
    name: 'kafka_consumer_lag_events',
    help: "Events of a partition not yet dealt with by a consuming group (from its last fetch's end)",
    labelNames: ['group', 'topic', 'partition'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const l of lag()) this.set({ group: l.group, topic: l.topic, partition: String(l.partition) }, l.lag);
    },
  });
}
