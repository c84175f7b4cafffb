/**
 * The two modules of the Kafka transport bench: `emitter` publishes `emitter.tick.v1` through its
 * unit of work (outbox), `receiver` consumes it (inbox in the handler's transaction) and does
 * nothing else, so what is measured is the transport path itself.
 */
import { Migration } from '@mikro-orm/migrations';
import { inject, injectable, type DependencyContainer } from 'tsyringe';
import { z } from 'zod';
import type { Transaction, UnitOfWork } from '../src/kernel/db/unit-of-work.js';
import { defineEvent } from '../src/kernel/events/event-contract.js';
import type { EventEnvelope } from '../src/kernel/events/event-envelope.js';
import { on, type EventHandler } from '../src/kernel/events/event-handler.js';
import { defineModule } from '../src/kernel/module.js';
import { TOKENS } from '../src/kernel/tokens.js';

export const TickV1 = defineEvent('emitter.tick.v1', z.object({ n: z.number().int(), pad: z.string() }));
export type Tick = z.infer<typeof TickV1.schema>;

/** The kernel's event tables in a module's own schema (what a module's first migration creates). */
function eventTablesMigration(schema: string) {
  return class EventTables extends Migration {
    override async up(): Promise<void> {
      const s = `"${schema}"`;
      this.addSql(`create schema if not exists ${s};`);
      this.addSql(`create table ${s}."event_outbox" ("seq" serial primary key, "id" uuid not null, "type" varchar(200) not null, "subject" varchar(200) not null, "time" varchar(40) not null, "data" jsonb not null, "traceparent" varchar(100) null, "tracestate" varchar(512) null, "requestid" varchar(128) null, "published_at" timestamptz null);`);
      this.addSql(`alter table ${s}."event_outbox" add constraint "event_outbox_id_unique" unique ("id");`);
      this.addSql(`create index "event_outbox_published_at_index" on ${s}."event_outbox" ("published_at");`);
      this.addSql(`create table ${s}."event_inbox" ("event_id" uuid not null, "type" varchar(200) not null, "processed_at" timestamptz not null, constraint "event_inbox_pkey" primary key ("event_id"));`);
      this.addSql(`create table ${s}."event_dead_letter" ("id" uuid not null, "event_id" uuid not null, "type" varchar(200) not null, "subject" varchar(200) not null, "envelope" jsonb not null, "reason" text not null, "attempts" int not null, "status" varchar(20) not null, "failed_at" timestamptz not null, "replayed_at" timestamptz null, constraint "event_dead_letter_pkey" primary key ("id"));`);
      this.addSql(`alter table ${s}."event_dead_letter" add constraint "event_dead_letter_event_id_unique" unique ("event_id");`);
      this.addSql(`create index "event_dead_letter_status_index" on ${s}."event_dead_letter" ("status");`);
    }
  };
}

@injectable()
export class Emitter {
  constructor(@inject(TOKENS.UnitOfWork) private readonly uow: UnitOfWork) {}

  /** One transaction publishing `count` ticks numbered from `first`, subjects spread over `subjects`. */
  emit(first: number, count: number, subjects: number, pad: string): Promise<void> {
    return this.uow.run(async (tx: Transaction) => {
      for (let n = first; n < first + count; n++) tx.publish(TickV1, `s-${n % subjects}`, { n, pad });
    });
  }
}

/** Counts handled ticks and lets the bench wait for a count. */
@injectable()
export class Received {
  count = 0;
  private waiters: { target: number; resolve: () => void }[] = [];

  add(): void {
    this.count += 1;
    if (this.waiters.length === 0) return;
    this.waiters = this.waiters.filter((w) => {
      if (this.count < w.target) return true;
      w.resolve();
      return false;
    });
  }

  reached(target: number): Promise<void> {
    if (this.count >= target) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ target, resolve }));
  }
}

@injectable()
class TickHandler implements EventHandler<Tick> {
  constructor(@inject(Received) private readonly received: Received) {}

  async handle(_event: EventEnvelope<Tick>, _tx: Transaction): Promise<void> {
    // The inbox record is the only write: its transaction commits right after this returns.
    this.received.add();
  }
}

export const emitterModule = defineModule({
  name: 'emitter',
  entities: [],
  migrations: async () => [{ name: 'EmitterEventTables', class: eventTablesMigration('emitter') }],
  api: [],
  routePrefixes: [],
  publishes: [TickV1],
  subscriptions: [],
  register(container: DependencyContainer) {
    container.registerSingleton(Emitter);
  },
  routes: () => [],
});

export const receiverModule = defineModule({
  name: 'receiver',
  entities: [],
  migrations: async () => [{ name: 'ReceiverEventTables', class: eventTablesMigration('receiver') }],
  api: [],
  routePrefixes: [],
  publishes: [],
  subscriptions: [on(TickV1, TickHandler)],
  register(container: DependencyContainer) {
    container.registerSingleton(Received);
    container.registerSingleton(TickHandler);
  },
  routes: () => [],
});
