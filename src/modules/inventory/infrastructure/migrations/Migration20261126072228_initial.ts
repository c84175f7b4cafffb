import { Migration } from '@mikro-orm/migrations';

export class Migration20261126072228_initial extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "inventory";`);
    this.addSql(`create table "inventory"."event_dead_letter" ("id" uuid not null, "event_id" uuid not null, "type" varchar(200) not null, "subject" varchar(200) not null, "envelope" jsonb not null, "reason" text not null, "attempts" int not null, "status" varchar(20) not null, "failed_at" timestamptz not null, "replayed_at" timestamptz null, constraint "event_dead_letter_pkey" primary key ("id"));`);
    this.addSql(`alter table "inventory"."event_dead_letter" add constraint "event_dead_letter_event_id_unique" unique ("event_id");`);
    this.addSql(`create index "event_dead_letter_status_index" on "inventory"."event_dead_letter" ("status");`);

    this.addSql(`create table "inventory"."event_inbox" ("event_id" uuid not null, "type" varchar(200) not null, "processed_at" timestamptz not null, constraint "event_inbox_pkey" primary key ("event_id"));`);

    this.addSql(`create table "inventory"."event_outbox" ("seq" serial primary key, "id" uuid not null, "type" varchar(200) not null, "subject" varchar(200) not null, "time" varchar(40) not null, "data" jsonb not null, "traceparent" varchar(100) null, "published_at" timestamptz null);`);
    this.addSql(`alter table "inventory"."event_outbox" add constraint "event_outbox_id_unique" unique ("id");`);
    this.addSql(`create index "event_outbox_published_at_index" on "inventory"."event_outbox" ("published_at");`);

    this.addSql(`create table "inventory"."reservation" ("order_id" uuid not null, "user_id" uuid not null, "status" varchar(20) not null, "lines" jsonb not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "reservation_pkey" primary key ("order_id"));`);

    this.addSql(`create table "inventory"."stock_item" ("sku" varchar(64) not null, "product_id" uuid not null, "available" int not null, "reserved" int not null, "sold" int not null, "updated_at" timestamptz not null, constraint "stock_item_pkey" primary key ("sku"));`);
    this.addSql(`alter table "inventory"."stock_item" add constraint "stock_item_product_id_unique" unique ("product_id");`);
  }

}
