import type { SchemaMigration } from '../../../../kernel/db/schema-migration.js';

export const Migration20261126072228_initial: SchemaMigration = {
  name: 'Migration20261126072228_initial',
  postgresql: () => [
    `create schema if not exists "inventory";`,
    `create table "inventory"."reservation" ("order_id" uuid not null, "user_id" uuid not null, "status" varchar(20) not null, "lines" jsonb not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "reservation_pkey" primary key ("order_id"));`,
    `create table "inventory"."stock_item" ("sku" varchar(64) not null, "product_id" uuid not null, "available" int not null, "reserved" int not null, "sold" int not null, "updated_at" timestamptz not null, constraint "stock_item_pkey" primary key ("sku"));`,
    `alter table "inventory"."stock_item" add constraint "stock_item_product_id_unique" unique ("product_id");`,
  ],
  sqlite: () => [
    'create table `reservation` (`order_id` text not null, `user_id` text not null, `status` text not null, `lines` json not null, `created_at` datetime not null, `updated_at` datetime not null, primary key (`order_id`));',
    'create table `stock_item` (`sku` text not null, `product_id` text not null, `available` integer not null, `reserved` integer not null, `sold` integer not null, `updated_at` datetime not null, primary key (`sku`));',
    'create unique index `stock_item_product_id_unique` on `stock_item` (`product_id`);',
  ],
};
