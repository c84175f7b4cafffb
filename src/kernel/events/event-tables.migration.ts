import type { SchemaMigration } from '../db/schema-migration.js';

/**
 * The bus's tables (outbox, inbox, dead letters), applied to every module's schema before the
 * module's own migrations. Databases created before the kernel owned these tables got them from
 * each module's initial migration: `if not exists` makes this a no-op there, so an upgrade only
 * records it.
 */
export const eventTablesMigration: SchemaMigration = {
  name: 'kernel_event_tables',
  postgresql: (schema) => {
    const s = `"${schema.replace(/"/g, '""')}"`;
    return [
      `create table if not exists ${s}."event_dead_letter" ("id" uuid not null, "event_id" uuid not null, "type" varchar(200) not null, "subject" varchar(200) not null, "envelope" jsonb not null, "reason" text not null, "attempts" int not null, "status" varchar(20) not null, "failed_at" timestamptz not null, "replayed_at" timestamptz null, constraint "event_dead_letter_pkey" primary key ("id"), constraint "event_dead_letter_event_id_unique" unique ("event_id"));`,
      `create index if not exists "event_dead_letter_status_index" on ${s}."event_dead_letter" ("status");`,
      `create table if not exists ${s}."event_inbox" ("event_id" uuid not null, "type" varchar(200) not null, "processed_at" timestamptz not null, constraint "event_inbox_pkey" primary key ("event_id"));`,
      `create table if not exists ${s}."event_outbox" ("seq" serial primary key, "id" uuid not null, "type" varchar(200) not null, "subject" varchar(200) not null, "time" varchar(40) not null, "data" jsonb not null, "traceparent" varchar(100) null, "published_at" timestamptz null, constraint "event_outbox_id_unique" unique ("id"));`,
      `create index if not exists "event_outbox_published_at_index" on ${s}."event_outbox" ("published_at");`,
    ];
  },
  sqlite: () => [
    'create table if not exists `event_dead_letter` (`id` text not null, `event_id` text not null, `type` text not null, `subject` text not null, `envelope` json not null, `reason` text not null, `attempts` integer not null, `status` text not null, `failed_at` datetime not null, `replayed_at` datetime null, primary key (`id`));',
    'create unique index if not exists `event_dead_letter_event_id_unique` on `event_dead_letter` (`event_id`);',
    'create index if not exists `event_dead_letter_status_index` on `event_dead_letter` (`status`);',
    'create table if not exists `event_inbox` (`event_id` text not null, `type` text not null, `processed_at` datetime not null, primary key (`event_id`));',
    'create table if not exists `event_outbox` (`seq` integer not null primary key autoincrement, `id` text not null, `type` text not null, `subject` text not null, `time` text not null, `data` json not null, `traceparent` text null, `published_at` datetime null);',
    'create unique index if not exists `event_outbox_id_unique` on `event_outbox` (`id`);',
    'create index if not exists `event_outbox_published_at_index` on `event_outbox` (`published_at`);',
  ],
};

/**
 * The CloudEvents extensions an outbox row keeps beside its traceparent: the W3C tracestate and the
 * id of the request that caused the event. Only databases that have the outbox already need them
 * added; on PostgreSQL `if not exists` also covers a schema baselined from its entities.
 */
export const eventTraceContextMigration: SchemaMigration = {
  name: 'kernel_event_trace_context',
  postgresql: (schema) => {
    const s = `"${schema.replace(/"/g, '""')}"`;
    return [`alter table ${s}."event_outbox" add column if not exists "tracestate" varchar(512) null, add column if not exists "requestid" varchar(128) null;`];
  },
  sqlite: () => ['alter table `event_outbox` add column `tracestate` text null;', 'alter table `event_outbox` add column `requestid` text null;'],
};

/** The kernel's migrations, in order, applied to every module's schema before the module's own. */
export const eventTablesMigrations: readonly SchemaMigration[] = [eventTablesMigration, eventTraceContextMigration];
