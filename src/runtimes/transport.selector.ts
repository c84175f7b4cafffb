import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import type { AppConfig } from '../kernel/config/config.schema.js';
import type { EventTransport } from '../kernel/events/event-transport.port.js';
import { MemoryTransport } from '../kernel/events/memory.transport.js';
import type { Logger } from '../kernel/observability/logger.factory.js';
import { StartupError } from './startup.error.js';

/**
 * In memory when this process hosts every module (or when told to), over a broker otherwise: a
 * split process on an in-memory bus would silently never hear from the other modules. The Kafka
 * transport is loaded only when chosen: kafkajs is ~0.1 s of start-up the all-in-one never needs.
 */
export async function selectTransport(config: AppConfig, hostsEverything: boolean, moduleNames: readonly string[], logger: Logger): Promise<EventTransport> {
  const wanted = config.events.transport ?? (config.events.kafkaBrokers.length > 0 ? 'kafka' : hostsEverything ? 'memory' : undefined);
  if (wanted === 'memory') return new MemoryTransport();
  if (wanted === 'kafka') {
    if (config.events.kafkaBrokers.length === 0) throw new StartupError('EVENT_BUS=kafka needs KAFKA_BROKERS (e.g. 127.0.0.1:9092)');
    if (config.env === 'production' && !config.events.kafka.sasl.mechanism) {
      logger.warn('Kafka without KAFKA_SASL_MECHANISM: anyone who reaches the brokers can read and write the event topics');
    }
    const { DEFAULT_KAFKA_CONSUMER, KafkaTransport } = await import('../kernel/events/kafka.transport.js');
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
      ...kafkaSecurity(config),
    });
  }
  throw new StartupError(
    `MODULES=${moduleNames.join(',')} does not host every module: set KAFKA_BROKERS to reach the others over Kafka, or EVENT_BUS=memory to run them isolated`,
  );
}

/** `KAFKA_SSL*` and `KAFKA_SASL_*` as kafkajs takes them; certificate files are read here, once. */
export function kafkaSecurity(config: AppConfig): { ssl?: boolean | ConnectionOptions; sasl?: SASLOptions } {
  const { ssl, sasl } = config.events.kafka;
  const read = (file: string | undefined, setting: string): string | undefined => {
    if (!file) return undefined;
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new StartupError(`${setting}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
  };
  const out: { ssl?: boolean | ConnectionOptions; sasl?: SASLOptions } = {};
  if (ssl.enabled) {
    const ca = read(ssl.caFile, 'KAFKA_SSL_CA_FILE');
    const cert = read(ssl.certFile, 'KAFKA_SSL_CERT_FILE');
    const key = read(ssl.keyFile, 'KAFKA_SSL_KEY_FILE');
    out.ssl = { rejectUnauthorized: ssl.rejectUnauthorized, ...(ca ? { ca: [ca] } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
  } else if (ssl.caFile || ssl.certFile || ssl.keyFile) {
    throw new StartupError('KAFKA_SSL_CA_FILE / KAFKA_SSL_CERT_FILE / KAFKA_SSL_KEY_FILE need KAFKA_SSL=true');
  }
  if (sasl.mechanism && sasl.username && sasl.password) {
    out.sasl = { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions;
  }
  return out;
}
