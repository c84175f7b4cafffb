import type { SchemaMigration } from '../../../../kernel/db/schema-migration.js';

export const Migration20261126072225_initial: SchemaMigration = {
  name: 'Migration20261126072225_initial',
  postgresql: () => [
    `create schema if not exists "catalog";`,
    `create table "catalog"."product" ("id" uuid not null, "sku" varchar(64) not null, "name" varchar(200) not null, "description" text null, "price" jsonb not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "version" int not null default 1, constraint "product_pkey" primary key ("id"));`,
    `alter table "catalog"."product" add constraint "product_sku_unique" unique ("sku");`,
  ],
  sqlite: () => [
    'create table `product` (`id` text not null, `sku` text not null, `name` text not null, `description` text null, `price` json not null, `created_at` datetime not null, `updated_at` datetime not null, `version` integer not null default 1, primary key (`id`));',
    'create unique index `product_sku_unique` on `product` (`sku`);',
  ],
};
