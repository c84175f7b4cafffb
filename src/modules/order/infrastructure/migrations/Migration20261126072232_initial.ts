import type { SchemaMigration } from '../../../../kernel/db/schema-migration.js';

export const Migration20261126072232_initial: SchemaMigration = {
  name: 'Migration20261126072232_initial',
  postgresql: () => [
    `create schema if not exists "order";`,
    `create table "order"."known_product" ("product_id" uuid not null, "sku" varchar(64) not null, "name" varchar(200) not null, "price" jsonb not null, constraint "known_product_pkey" primary key ("product_id"));`,
    `create table "order"."customer_order" ("id" uuid not null, "user_id" uuid not null, "status" varchar(20) not null, "items" jsonb not null, "total" jsonb not null, "payment_method" varchar(100) not null, "cancel_reason" varchar(40) null, "idempotency_key" varchar(255) null, "request_hash" varchar(64) null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "customer_order_pkey" primary key ("id"));`,
    `create index "customer_order_user_id_id_index" on "order"."customer_order" ("user_id", "id");`,
    `alter table "order"."customer_order" add constraint "customer_order_user_id_idempotency_key_unique" unique ("user_id", "idempotency_key");`,
  ],
  sqlite: () => [
    'create table `known_product` (`product_id` text not null, `sku` text not null, `name` text not null, `price` json not null, primary key (`product_id`));',
    'create table `customer_order` (`id` text not null, `user_id` text not null, `status` text not null, `items` json not null, `total` json not null, `payment_method` text not null, `cancel_reason` text null, `idempotency_key` text null, `request_hash` text null, `created_at` datetime not null, `updated_at` datetime not null, primary key (`id`));',
    'create index `customer_order_user_id_id_index` on `customer_order` (`user_id`, `id`);',
    'create unique index `customer_order_user_id_idempotency_key_unique` on `customer_order` (`user_id`, `idempotency_key`);',
  ],
};
