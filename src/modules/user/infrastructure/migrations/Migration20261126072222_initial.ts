import { Migration } from '@mikro-orm/migrations';

export class Migration20261126072222_initial extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "user";`);
    this.addSql(`create table "user"."event_dead_letter" ("id" uuid not null, "event_id" uuid not null, "type" varchar(200) not null, "subject" varchar(200) not null, "envelope" jsonb not null, "reason" text not null, "attempts" int not null, "status" varchar(20) not null, "failed_at" timestamptz not null, "replayed_at" timestamptz null, constraint "event_dead_letter_pkey" primary key ("id"));`);
    this.addSql(`alter table "user"."event_dead_letter" add constraint "event_dead_letter_event_id_unique" unique ("event_id");`);
    this.addSql(`create index "event_dead_letter_status_index" on "user"."event_dead_letter" ("status");`);

    this.addSql(`create table "user"."event_inbox" ("event_id" uuid not null, "type" varchar(200) not null, "processed_at" timestamptz not null, constraint "event_inbox_pkey" primary key ("event_id"));`);

    this.addSql(`create table "user"."event_outbox" ("seq" serial primary key, "id" uuid not null, "type" varchar(200) not null, "subject" varchar(200) not null, "time" varchar(40) not null, "data" jsonb not null, "traceparent" varchar(100) null, "published_at" timestamptz null);`);
    this.addSql(`alter table "user"."event_outbox" add constraint "event_outbox_id_unique" unique ("id");`);
    this.addSql(`create index "event_outbox_published_at_index" on "user"."event_outbox" ("published_at");`);

    this.addSql(`create table "user"."app_user" ("id" uuid not null, "email" varchar(254) not null, "name" varchar(100) not null, "role" varchar(20) not null, "password_hash" varchar(255) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "app_user_pkey" primary key ("id"));`);
    this.addSql(`alter table "user"."app_user" add constraint "app_user_email_unique" unique ("email");`);
  }

}
