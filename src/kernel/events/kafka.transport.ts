import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import type { ConnectionOptions } from 'node:tls';
import { Kafka, logLevel, Partitioners, type Admin, type Consumer, type EachBatchPayload, type Message, type Producer, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import { fromKafkaMessage, toKafkaMessage } from './cloudevents-kafka.codec.js';
import type { EventEnvelope } from './event-envelope.js';
import type { DeliverFn, EventTransport } from './event-transport.port.js';
import { KeyedSerialQueue } from './keyed-serial.queue.js';

/** Long retries inside a batch must not make the group think this member died. */
const HEARTBEAT_DURING_BATCH_MS = 3000;

export interface KafkaTransportOptions {
  brokers: string[];
  clientId: string;
  /** Prefix of every topic and consumer group, so several systems can share a broker. */
  prefix: string;
  partitions: number;
  logger: Logger;
  /** TLS to the brokers (`true`, or the CA and client certificate to use). */
  ssl?: boolean | ConnectionOptions;
  /** SASL authentication to the brokers (PLAIN or SCRAM). */
  sasl?: SASLOptions;
}

interface QueuedEvent {
  event: EventEnvelope;
  resolve(): void;
  reject(err: unknown): void;
}

interface Registration {
  group: string;
  sources: readonly string[];
  deliver: DeliverFn;
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
  private readonly consumers: Consumer[] = [];
  private readonly registrations: Registration[] = [];
  private readonly sources = new Set<string>();
  /** Events handed to `publish` and not yet sent, in hand-over order. */
  private queued: QueuedEvent[] = [];
  private sending: Promise<void> | undefined;

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
      logCreator: () => ({ level, log: entry }) => {
        const { message, ...rest } = entry;
        log[KAFKAJS_LEVELS[level] ?? 'debug']({ kafka: rest }, message);
      },
    });
    this.admin = this.kafka.admin();
    this.producer = this.kafka.producer({
      idempotent: true,
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
      acks: -1,
      messages: [{ ...message, headers: { ...message.headers, 'x-dead-letter-reason': reason.slice(0, 1000) } }],
    });
  }

  async subscribe(group: string, sources: readonly string[], deliver: DeliverFn): Promise<void> {
    this.registrations.push({ group, sources, deliver });
    for (const source of sources) this.sources.add(source);
  }

  async start(): Promise<void> {
    await STARTUP_RETRY.execute(() => this.admin.connect());
    await STARTUP_RETRY.execute(() => this.ensureTopics());
    await this.producer.connect();
    for (const registration of this.registrations) await STARTUP_RETRY.execute(() => this.startConsumer(registration));
  }

  async stop(): Promise<void> {
    // Disconnecting a consumer waits for the message in hand, so no handler is cut off.
    await Promise.allSettled(this.consumers.map((c) => c.disconnect()));
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
  }

  async healthy(): Promise<boolean> {
    try {
      await this.admin.describeCluster();
      return true;
    } catch {
      return false;
    }
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
          await this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
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

  private async startConsumer({ group, sources, deliver }: Registration): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: `${this.options.prefix}.${group}`,
      allowAutoTopicCreation: false,
      sessionTimeout: 15_000,
      // Short long-polls: a stop (which waits for the pending fetch) and a new event come sooner.
      maxWaitTimeInMs: 1000,
      heartbeatInterval: 1000,
      rebalanceTimeout: 15_000,
      // A broker outage must not end consumption for good: keep reconnecting.
      retry: { initialRetryTime: 300, retries: 10, maxRetryTime: 5000, restartOnFailure: async () => true },
    });
    try {
      await consumer.connect();
      // A new group starts at the beginning, so a late-joining module can rebuild its read model.
      await consumer.subscribe({ topics: sources.map((s) => this.topic(s)), fromBeginning: true });
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    this.consumers.push(consumer);
    await consumer.run({
      partitionsConsumedConcurrently: this.options.partitions,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.consumeBatch(payload, deliver),
    });
  }

  /**
   * A partition carries many subjects. Within a fetched batch, events are handled in order per
   * subject but concurrently across subjects, so one subject's retries do not hold up the others;
   * offsets are resolved strictly in order, only up to the first event not yet dealt with.
   * When an event is not dealt with (`deliver` rejected), the later events of its subject in the
   * batch are held back too: the batch is fetched again from that event on, and they must not be
   * applied before it.
   */
  private async consumeBatch({ batch, resolveOffset, heartbeat }: EachBatchPayload, deliver: DeliverFn): Promise<void> {
    const queue = new KeyedSerialQueue();
    const failedSubjects = new Set<string>();
    const keepAlive = setInterval(() => void heartbeat().catch(() => undefined), HEARTBEAT_DURING_BATCH_MS);
    try {
      const topicSource = this.sourceOf(batch.topic);
      const handled = batch.messages.map((message) => {
        const read = fromKafkaMessage(message);
        // The topic says who published, not the ce_source header, which any writer sets: the
        // consumer then refuses a type its declaring module did not send (see EventConsumer).
        const event = read && topicSource && read.source !== topicSource ? { ...read, source: topicSource } : read;
        if (!event) {
          this.options.logger.warn({ topic: batch.topic, partition: batch.partition, offset: message.offset }, 'skipping a message that is not a CloudEvent');
          return Promise.resolve();
        }
        return queue.push(event.subject, async () => {
          if (failedSubjects.has(event.subject)) throw new Error(`held back behind an earlier event of subject ${event.subject}`);
          try {
            await deliver(event);
          } catch (err) {
            failedSubjects.add(event.subject);
            throw err;
          }
        });
      });
      for (const [i, done] of handled.entries()) {
        await done;
        resolveOffset(batch.messages[i]!.offset);
      }
    } finally {
      clearInterval(keepAlive);
      await queue.idle();
    }
  }
}
