import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import type { ConnectionOptions } from 'node:tls';
import { CompressionTypes, Kafka, logLevel, Partitioners, type Admin, type Consumer, type Message, type Producer, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import { toKafkaMessage } from './cloudevents-kafka.codec.js';
import type { EventEnvelope } from './event-envelope.js';
import type { ConsumerLag, DeliverBatchFn, DeliverFn, EventTransport } from './event-transport.port.js';
import { KafkaGroupConsumer, type GroupConsumerOptions } from './kafka-group.consumer.js';
import { patchKafkajsIdleLoop } from './kafkajs-idle.patch.js';

patchKafkajsIdleLoop();

export interface KafkaProducerSettings {
  /** `all`: every in-sync replica has the event (idempotent producer); `leader`: the partition leader has it. */
  acks: 'all' | 'leader';
  compression: 'none' | 'gzip';
}

export type KafkaConsumerSettings = Omit<GroupConsumerOptions, 'logger'>;

export interface KafkaTransportOptions {
  brokers: string[];
  clientId: string;
  /** Prefix of every topic and consumer group, so several systems can share a broker. */
  prefix: string;
  partitions: number;
  producer: KafkaProducerSettings;
  consumer: KafkaConsumerSettings;
  logger: Logger;
  /** TLS to the brokers (`true`, or the CA and client certificate to use). */
  ssl?: boolean | ConnectionOptions;
  /** SASL authentication to the brokers (PLAIN or SCRAM). */
  sasl?: SASLOptions;
}

export const DEFAULT_KAFKA_PRODUCER: KafkaProducerSettings = { acks: 'all', compression: 'none' };
export const DEFAULT_KAFKA_CONSUMER: KafkaConsumerSettings = {
  concurrency: 8,
  maxBatch: 64,
  maxBufferedPerPartition: 1000,
  commitIntervalMs: 100,
  redelivery: { initialDelayMs: 500, maxDelayMs: 30_000 },
};

interface QueuedEvent {
  event: EventEnvelope;
  resolve(): void;
  reject(err: unknown): void;
}

interface Registration {
  group: string;
  sources: readonly string[];
  deliver: DeliverFn;
  deliverBatch: DeliverBatchFn;
}

/**
 * Processes of a split system start together and create topics concurrently; a topic that another
 * process just created may not have a leader yet. Such start-up errors are worth a few tries.
 */
const STARTUP_RETRY = retry(
  handleWhen((err) => (err as { retriable?: boolean }).retriable === true || /topic-partition|leader|coordinator/i.test(err.message)),
  { maxAttempts: 8, backoff: new ExponentialBackoff({ initialDelay: 250, maxDelay: 3000 }) },
);

const KAFKAJS_LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'debug',
  [logLevel.DEBUG]: 'debug',
};

/**
 * The level a kafkajs log entry gets in Mercato's log. kafkajs logs every broker error response as
 * an error, including "the group is rebalancing", which it answers itself by rejoining: a replica
 * joining or leaving would otherwise print a burst of errors an operator has nothing to do about.
 */
export function kafkajsLogLevel(level: number, entry: Readonly<Record<string, unknown>>): 'error' | 'warn' | 'info' | 'debug' {
  if (typeof entry.error === 'string' && /rebalancing/i.test(entry.error)) return 'info';
  return KAFKAJS_LEVELS[level] ?? 'debug';
}

/**
 * Events over Apache Kafka: one topic per publishing module, one consumer group per consuming
 * module (so replicas share the work), offsets committed only after `deliver` resolved, that is
 * after the handler's transaction committed or the event was dead-lettered.
 */
export class KafkaTransport implements EventTransport {
  readonly name = 'kafka';
  readonly pipelined = false;
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private readonly producer: Producer;
  private readonly consumers: { consumer: Consumer; group: KafkaGroupConsumer; name: string }[] = [];
  private readonly registrations: Registration[] = [];
  private readonly sources = new Set<string>();
  /** Events handed to `publish` and not yet sent, in hand-over order. */
  private queued: QueuedEvent[] = [];
  private sending: Promise<void> | undefined;
  private readonly acks: -1 | 1;
  private readonly compression: CompressionTypes;

  constructor(private readonly options: KafkaTransportOptions) {
    const log = options.logger.child({ transport: 'kafka' });
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      ...(options.ssl ? { ssl: options.ssl } : {}),
      ...(options.sasl ? { sasl: options.sasl } : {}),
      connectionTimeout: 3000,
      retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5000 },
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ level, log: entry }) => {
          const { message, ...rest } = entry;
          log[kafkajsLogLevel(level, entry)]({ kafka: rest }, message);
        },
    });
    this.admin = this.kafka.admin();
    this.acks = options.producer.acks === 'all' ? -1 : 1;
    this.compression = options.producer.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    this.producer = this.kafka.producer({
      // Idempotence needs acks from all in-sync replicas; one request in flight keeps the order either way.
      idempotent: this.acks === -1,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  topic(source: string): string {
    return `${this.options.prefix}.${source}`;
  }

  /** The module whose topic this is (`<prefix>.<module>`). */
  private sourceOf(topic: string): string | undefined {
    const start = `${this.options.prefix}.`;
    return topic.startsWith(start) ? topic.slice(start.length) : undefined;
  }

  declareSource(source: string): void {
    this.sources.add(source);
  }

  /**
   * Resolves once the broker acknowledged the event. Events are sent in the order they were handed
   * over (see `drain`), so events of one subject reach their partition in outbox order.
   */
  publish(event: EventEnvelope): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ event, resolve, reject });
      this.sending ??= this.drain();
    });
  }

  deadLetterTopic(group: string): string {
    return `${this.options.prefix}.${group}.dead-letter`;
  }

  /** The event as it came, with the reason in a header, on the group's dead-letter topic. */
  async deadLetter(group: string, event: EventEnvelope, reason: string): Promise<void> {
    const message = toKafkaMessage(event);
    await this.producer.send({
      topic: this.deadLetterTopic(group),
      acks: this.acks,
      compression: this.compression,
      messages: [{ ...message, headers: { ...message.headers, 'x-dead-letter-reason': reason.slice(0, 1000) } }],
    });
  }

  async subscribe(group: string, sources: readonly string[], deliver: DeliverFn, deliverBatch?: DeliverBatchFn): Promise<void> {
    this.registrations.push({ group, sources, deliver, deliverBatch: deliverBatch ?? ((events) => events.map(deliver)) });
    for (const source of sources) this.sources.add(source);
  }

  async start(): Promise<void> {
    await STARTUP_RETRY.execute(() => this.admin.connect());
    await STARTUP_RETRY.execute(() => this.ensureTopics());
    await this.producer.connect();
    for (const registration of this.registrations) await STARTUP_RETRY.execute(() => this.startConsumer(registration));
  }

  async stop(): Promise<void> {
    // Events being handled finish and their offsets are committed before the consumers leave.
    await Promise.allSettled(this.consumers.map(({ group }) => group.stop()));
    await Promise.allSettled(this.consumers.map(({ consumer }) => consumer.disconnect()));
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
  }

  lag(): ConsumerLag[] {
    return this.consumers.flatMap(({ group, name }) => group.lag().map((l) => ({ group: name, ...l })));
  }

  /** Whether the broker answers (how long an answer stands is the readiness check's business). */
  async healthy(): Promise<boolean> {
    return this.admin
      .describeCluster()
      .then(() => true)
      .catch(() => false);
  }

  /**
   * Sends the queued events with one request in flight at a time, each request carrying everything
   * queued so far (a relay pass hands its whole batch over at once). Concurrent `send` calls on a
   * kafkajs producer may reach the broker in any order, and one retried after a failure lands after
   * later ones: either would reorder a subject's events. For the same reason, when a request fails,
   * the events queued behind it fail too rather than overtake the failed ones.
   */
  private async drain(): Promise<void> {
    // Let the caller's other synchronous hand-overs join this request.
    await Promise.resolve();
    try {
      while (this.queued.length > 0) {
        const batch = this.queued;
        this.queued = [];
        const byTopic = new Map<string, Message[]>();
        for (const { event } of batch) {
          const topic = this.topic(event.source);
          const messages = byTopic.get(topic) ?? [];
          messages.push(toKafkaMessage(event));
          byTopic.set(topic, messages);
        }
        try {
          await this.producer.sendBatch({
            acks: this.acks,
            compression: this.compression,
            topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
          });
          for (const queued of batch) queued.resolve();
        } catch (err) {
          const behind = this.queued;
          this.queued = [];
          for (const queued of [...batch, ...behind]) queued.reject(err);
        }
      }
    } finally {
      this.sending = undefined;
    }
  }

  private async ensureTopics(): Promise<void> {
    const existing = new Set(await this.admin.listTopics());
    const wanted = [...[...this.sources].map((s) => this.topic(s)), ...this.registrations.map((r) => this.deadLetterTopic(r.group))];
    const missing = wanted.filter((t) => !existing.has(t));
    if (missing.length === 0) return;
    await this.admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({ topic, numPartitions: this.options.partitions, replicationFactor: -1 })),
    });
  }

  private async startConsumer({ group, sources, deliverBatch }: Registration): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: `${this.options.prefix}.${group}`,
      allowAutoTopicCreation: false,
      sessionTimeout: 15_000,
      // Short long-polls: a stop (which waits for the pending fetch) and a new event come sooner.
      maxWaitTimeInMs: 1000,
      heartbeatInterval: 3000,
      rebalanceTimeout: 15_000,
      // A broker outage must not end consumption for good: keep reconnecting.
      retry: { initialRetryTime: 300, retries: 10, maxRetryTime: 5000, restartOnFailure: async () => true },
    });
    const topics = sources.map((s) => this.topic(s));
    const groupConsumer = new KafkaGroupConsumer(consumer, topics, deliverBatch, {
      ...this.options.consumer,
      sourceOf: (topic) => this.sourceOf(topic),
      logger: this.options.logger.child({ group }),
    });
    try {
      await consumer.connect();
      // A new group starts at the beginning, so a late-joining module can rebuild its read model.
      await consumer.subscribe({ topics, fromBeginning: true });
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    this.consumers.push({ consumer, group: groupConsumer, name: group });
    // Offsets are the group consumer's business: kafkajs only fetches (and never commits by itself).
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch: groupConsumer.eachBatch });
  }
}
