import { hostname } from 'node:os';
import type { AppConfig } from '../kernel/config/config.schema.js';
import type { EventTransport } from '../kernel/events/event-transport.port.js';
import { DEFAULT_KAFKA_CONSUMER, KafkaTransport } from '../kernel/events/kafka.transport.js';
import { MemoryTransport } from '../kernel/events/memory.transport.js';
import type { Logger } from '../kernel/observability/logger.factory.js';
import { StartupError } from './startup.error.js';

/**
 * In memory when this process hosts every module (or when told to), over a broker otherwise: a
 * split process on an in-memory bus would silently never hear from the other modules.
 */
export function selectTransport(config: AppConfig, hostsEverything: boolean, moduleNames: readonly string[], logger: Logger): EventTransport {
  const wanted = config.events.transport ?? (config.events.kafkaBrokers.length > 0 ? 'kafka' : hostsEverything ? 'memory' : undefined);
  if (wanted === 'memory') return new MemoryTransport();
  if (wanted === 'kafka') {
    if (config.events.kafkaBrokers.length === 0) throw new StartupError('EVENT_BUS=kafka needs KAFKA_BROKERS (e.g. 127.0.0.1:9092)');
    return new KafkaTransport({
      brokers: config.events.kafkaBrokers,
      clientId: `mercato-${moduleNames.join('-')}-${hostname()}-${process.pid}`,
      prefix: config.events.topicPrefix,
      partitions: config.events.partitions,
      producer: { acks: config.events.kafka.acks, compression: config.events.kafka.compression },
      consumer: {
        ...DEFAULT_KAFKA_CONSUMER,
        concurrency: config.events.kafka.consumerConcurrency,
        maxBatch: config.events.kafka.consumerBatchSize,
        maxBufferedPerPartition: config.events.kafka.maxBufferedPerPartition,
        commitIntervalMs: config.events.kafka.commitIntervalMs,
      },
      logger,
    });
  }
  throw new StartupError(
    `MODULES=${moduleNames.join(',')} does not host every module: set KAFKA_BROKERS to reach the others over Kafka, or EVENT_BUS=memory to run them isolated`,
  );
}
