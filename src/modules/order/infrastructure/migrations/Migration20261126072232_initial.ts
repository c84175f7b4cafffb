import { Migration } from '@mikro-orm/migrations';

export class Migration20261126072232_initial extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "order";`);
    this.addSql(`create table "order"."event_dead_letter" ("id" uuid not null, "event_id" uuid not null, "type" varchar(200) not null, "subject" varchar(200) not null, "envelope" jsonb not null, "reason" text not null, "attempts" int not null, "status" varchar(20) not null, "failed_at" timestamptz not null, "replayed_at" timestamptz null, constraint "event_dead_letter_pkey" primary key ("id"));`);
    this.addSql(`alter table "order"."event_dead_letter" add constraint "event_dead_letter_event_id_unique" unique ("event_id");`);
    this.addSql(`create index "event_dead_letter_status_index" on "order"."event_dead_letter" ("status");`);

    this.addSql(`create table "order"."event_inbox" ("event_id" uuid not null, "type" varchar(200) not null, "processed_at" timestamptz not null, constraint "event_inbox_pkey" primary key ("event_id"));`);

    this.addSql(`create table "order"."known_product" ("product_id" uuid not null, "sku" varchar(64) not null, "name" varchar(200) not null, "price" jsonb not null, constraint "known_product_pkey" primary key ("product_id"));`);

    this.addSql(`create table "order"."customer_order" ("id" uuid not null, "user_id" uuid not null, "status" varchar(20) not null, "items" jsonb not null, "total" jsonb not null, "payment_method" varchar(100) not null, "cancel_reason" varchar(40) null, "idempotency_key" varchar(255) null, "request_hash" varchar(64) null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "customer_order_pkey" primary key ("id"));`);
    this.addSql(`create index "customer_order_user_id_id_index" on "order"."customer_order" ("user_id", "id");`);
    this.addSql(`alter table "order"."customer_order" add constraint "customer_order_user_id_idempotency_key_unique" unique ("user_id", "idempotency_key");`);

    this.addSql(`create table "order"."event_outbox" ("seq" serial primary key, "id" uuid not null, "type" varchar(200) not null, "subject" varchar(200) not null, "time" varchar(40) not null, "data" jsonb not null, "traceparent" varchar(100) null, "published_at" timestamptz null);`);
    this.addSql(`alter table "order"."event_outbox" add constraint "event_outbox_id_unique" unique ("id");`);
    this.addSql(`create index "event_outbox_published_at_index" on "order"."event_outbox" ("published_at");`);
  }

}
