import { Migration } from '@mikro-orm/migrations';

export class Migration20261126072234_initial extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "payment";`);
    this.addSql(`create table "payment"."event_dead_letter" ("id" uuid not null, "event_id" uuid not null, "type" varchar(200) not null, "subject" varchar(200) not null, "envelope" jsonb not null, "reason" text not null, "attempts" int not null, "status" varchar(20) not null, "failed_at" timestamptz not null, "replayed_at" timestamptz null, constraint "event_dead_letter_pkey" primary key ("id"));`);
    this.addSql(`alter table "payment"."event_dead_letter" add constraint "event_dead_letter_event_id_unique" unique ("event_id");`);
    this.addSql(`create index "event_dead_letter_status_index" on "payment"."event_dead_letter" ("status");`);

    this.addSql(`create table "payment"."event_inbox" ("event_id" uuid not null, "type" varchar(200) not null, "processed_at" timestamptz not null, constraint "event_inbox_pkey" primary key ("event_id"));`);

    this.addSql(`create table "payment"."event_outbox" ("seq" serial primary key, "id" uuid not null, "type" varchar(200) not null, "subject" varchar(200) not null, "time" varchar(40) not null, "data" jsonb not null, "traceparent" varchar(100) null, "published_at" timestamptz null);`);
    this.addSql(`alter table "payment"."event_outbox" add constraint "event_outbox_id_unique" unique ("id");`);
    this.addSql(`create index "event_outbox_published_at_index" on "payment"."event_outbox" ("published_at");`);

    this.addSql(`create table "payment"."payment" ("id" uuid not null, "order_id" uuid not null, "user_id" uuid not null, "amount" jsonb not null, "payment_method" varchar(100) not null, "status" varchar(20) not null, "provider_reference" varchar(100) null, "failure_reason" varchar(100) null, "created_at" timestamptz not null, constraint "payment_pkey" primary key ("id"));`);
    this.addSql(`alter table "payment"."payment" add constraint "payment_order_id_unique" unique ("order_id");`);
    this.addSql(`create index "payment_user_id_index" on "payment"."payment" ("user_id");`);
  }

}
