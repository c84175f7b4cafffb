import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { NO_EVENT_TRACING, type EventTracing } from './event-tracing.js';
import type { EventConsumer } from './event.consumer.js';
import type { EventTables } from './event-tables.port.js';
import { EventTablesPruner, type RetentionOptions } from './event-tables.pruner.js';
import type { EventTransport } from './event-transport.port.js';
import { OutboxRelay, type RelayOptions } from './outbox.relay.js';

/**
 * The bus the runtime wires modules into: one outbox relay per publishing module and one consumer
 * per subscribing module, over whichever transport this process uses. Modules never see it; they
 * publish through their unit of work and react through their subscriptions.
 */
export class EventBus {
  private readonly relays = new Map<string, OutboxRelay>();
  private readonly pruners: EventTablesPruner[] = [];

  constructor(
    readonly transport: EventTransport,
    private readonly relayOptions: RelayOptions,
    private readonly retention: RetentionOptions,
    private readonly logger: Logger,
    /** Producer spans of the relays (consumers get theirs from the host). */
    readonly tracing: EventTracing = NO_EVENT_TRACING,
  ) {}

  /** Keeps a module's event tables within their retention. */
  addTables(module: string, tables: EventTables): void {
    this.pruners.push(new EventTablesPruner(tables, this.retention, this.logger.child({ pruner: module })));
  }

  addPublisher(source: string, orm: MikroORM, tables: EventTables): void {
    this.transport.declareSource(source);
    this.relays.set(source, new OutboxRelay(source, orm, tables, this.transport, this.relayOptions, this.logger.child({ relay: source }), this.tracing));
  }

  async addConsumer(consumer: EventConsumer, sources: readonly string[]): Promise<void> {
    if (sources.length > 0) await this.transport.subscribe(consumer.module, sources, consumer.deliver, consumer.deliverBatch);
  }

  /** Called after a module's transaction committed, so its events leave without waiting for a poll. */
  committed(source: string): void {
    this.relays.get(source)?.nudge();
  }

  async start(): Promise<void> {
    await this.transport.start();
    for (const relay of this.relays.values()) relay.start();
    for (const pruner of this.pruners) pruner.start();
  }

  /** Stops relaying, lets handed-over events finish, then closes the transport. */
  async stop(): Promise<void> {
    await Promise.all([...this.relays.values()].map((r) => r.stop()));
    await Promise.all(this.pruners.map((p) => p.stop()));
    await this.transport.stop();
  }

  /** Abandons all relaying at once, as a crash would. */
  halt(): void {
    for (const relay of this.relays.values()) relay.halt();
    for (const pruner of this.pruners) void pruner.stop();
  }

  /** Resolves when no relay has work in flight (tests use it to wait for a quiet system). */
  async idle(): Promise<void> {
    await Promise.all([...this.relays.values()].map((r) => r.idle()));
  }

  healthy(): Promise<boolean> {
    return this.transport.healthy();
  }
}
