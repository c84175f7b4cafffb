import type { SchemaMigration } from '../../../../kernel/db/schema-migration.js';

export const Migration20261126072238_initial: SchemaMigration = {
  name: 'Migration20261126072238_initial',
  postgresql: () => [
    `create schema if not exists "notification";`,
    `create table "notification"."notification" ("id" uuid not null, "user_id" uuid not null, "event_id" uuid not null, "kind" varchar(40) not null, "subject" varchar(300) not null, "body" text not null, "status" varchar(20) not null, "attempts" int not null, "due_at" timestamptz not null, "last_error" text null, "created_at" timestamptz not null, "sent_at" timestamptz null, constraint "notification_pkey" primary key ("id"));`,
    `alter table "notification"."notification" add constraint "notification_event_id_unique" unique ("event_id");`,
    `create index "notification_status_due_at_index" on "notification"."notification" ("status", "due_at");`,
    `create index "notification_user_id_id_index" on "notification"."notification" ("user_id", "id");`,
    `create table "notification"."recipient" ("user_id" uuid not null, "email" varchar(254) not null, "name" varchar(100) not null, constraint "recipient_pkey" primary key ("user_id"));`,
  ],
  sqlite: () => [
    'create table `notification` (`id` text not null, `user_id` text not null, `event_id` text not null, `kind` text not null, `subject` text not null, `body` text not null, `status` text not null, `attempts` integer not null, `due_at` datetime not null, `last_error` text null, `created_at` datetime not null, `sent_at` datetime null, primary key (`id`));',
    'create unique index `notification_event_id_unique` on `notification` (`event_id`);',
    'create index `notification_status_due_at_index` on `notification` (`status`, `due_at`);',
    'create index `notification_user_id_id_index` on `notification` (`user_id`, `id`);',
    'create table `recipient` (`user_id` text not null, `email` text not null, `name` text not null, primary key (`user_id`));',
  ],
};
