import { Migration } from '@mikro-orm/migrations';

export class Migration20261126072238_initial extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "notification";`);
    this.addSql(`create table "notification"."event_dead_letter" ("id" uuid not null, "event_id" uuid not null, "type" varchar(200) not null, "subject" varchar(200) not null, "envelope" jsonb not null, "reason" text not null, "attempts" int not null, "status" varchar(20) not null, "failed_at" timestamptz not null, "replayed_at" timestamptz null, constraint "event_dead_letter_pkey" primary key ("id"));`);
    this.addSql(`alter table "notification"."event_dead_letter" add constraint "event_dead_letter_event_id_unique" unique ("event_id");`);
    this.addSql(`create index "event_dead_letter_status_index" on "notification"."event_dead_letter" ("status");`);

    this.addSql(`create table "notification"."event_inbox" ("event_id" uuid not null, "type" varchar(200) not null, "processed_at" timestamptz not null, constraint "event_inbox_pkey" primary key ("event_id"));`);

    this.addSql(`create table "notification"."notification" ("id" uuid not null, "user_id" uuid not null, "event_id" uuid not null, "kind" varchar(40) not null, "subject" varchar(300) not null, "body" text not null, "status" varchar(20) not null, "attempts" int not null, "due_at" timestamptz not null, "last_error" text null, "created_at" timestamptz not null, "sent_at" timestamptz null, constraint "notification_pkey" primary key ("id"));`);
    this.addSql(`alter table "notification"."notification" add constraint "notification_event_id_unique" unique ("event_id");`);
    this.addSql(`create index "notification_status_due_at_index" on "notification"."notification" ("status", "due_at");`);
    this.addSql(`create index "notification_user_id_id_index" on "notification"."notification" ("user_id", "id");`);

    this.addSql(`create table "notification"."event_outbox" ("seq" serial primary key, "id" uuid not null, "type" varchar(200) not null, "subject" varchar(200) not null, "time" varchar(40) not null, "data" jsonb not null, "traceparent" varchar(100) null, "published_at" timestamptz null);`);
    this.addSql(`alter table "notification"."event_outbox" add constraint "event_outbox_id_unique" unique ("id");`);
    this.addSql(`create index "event_outbox_published_at_index" on "notification"."event_outbox" ("published_at");`);

    this.addSql(`create table "notification"."recipient" ("user_id" uuid not null, "email" varchar(254) not null, "name" varchar(100) not null, constraint "recipient_pkey" primary key ("user_id"));`);
  }

}
