import { Migration } from '@mikro-orm/migrations';

export class Migration20261126072225_initial extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "catalog";`);
    this.addSql(`create table "catalog"."event_dead_letter" ("id" uuid not null, "event_id" uuid not null, "type" varchar(200) not null, "subject" varchar(200) not null, "envelope" jsonb not null, "reason" text not null, "attempts" int not null, "status" varchar(20) not null, "failed_at" timestamptz not null, "replayed_at" timestamptz null, constraint "event_dead_letter_pkey" primary key ("id"));`);
    this.addSql(`alter table "catalog"."event_dead_letter" add constraint "event_dead_letter_event_id_unique" unique ("event_id");`);
    this.addSql(`create index "event_dead_letter_status_index" on "catalog"."event_dead_letter" ("status");`);

    this.addSql(`create table "catalog"."event_inbox" ("event_id" uuid not null, "type" varchar(200) not null, "processed_at" timestamptz not null, constraint "event_inbox_pkey" primary key ("event_id"));`);

    this.addSql(`create table "catalog"."event_outbox" ("seq" serial primary key, "id" uuid not null, "type" varchar(200) not null, "subject" varchar(200) not null, "time" varchar(40) not null, "data" jsonb not null, "traceparent" varchar(100) null, "published_at" timestamptz null);`);
    this.addSql(`alter table "catalog"."event_outbox" add constraint "event_outbox_id_unique" unique ("id");`);
    this.addSql(`create index "event_outbox_published_at_index" on "catalog"."event_outbox" ("published_at");`);

    this.addSql(`create table "catalog"."product" ("id" uuid not null, "sku" varchar(64) not null, "name" varchar(200) not null, "description" text null, "price" jsonb not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "version" int not null default 1, constraint "product_pkey" primary key ("id"));`);
    this.addSql(`alter table "catalog"."product" add constraint "product_sku_unique" unique ("sku");`);
  }

}
