import type { SchemaMigration } from '../../../../kernel/db/schema-migration.js';

export const Migration20261126072234_initial: SchemaMigration = {
  name: 'Migration20261126072234_initial',
  postgresql: () => [
    `create schema if not exists "payment";`,
    `create table "payment"."payment" ("id" uuid not null, "order_id" uuid not null, "user_id" uuid not null, "amount" jsonb not null, "payment_method" varchar(100) not null, "status" varchar(20) not null, "provider_reference" varchar(100) null, "failure_reason" varchar(100) null, "created_at" timestamptz not null, constraint "payment_pkey" primary key ("id"));`,
    `alter table "payment"."payment" add constraint "payment_order_id_unique" unique ("order_id");`,
    `create index "payment_user_id_index" on "payment"."payment" ("user_id");`,
  ],
  sqlite: () => [
    'create table `payment` (`id` text not null, `order_id` text not null, `user_id` text not null, `amount` json not null, `payment_method` text not null, `status` text not null, `provider_reference` text null, `failure_reason` text null, `created_at` datetime not null, primary key (`id`));',
    'create unique index `payment_order_id_unique` on `payment` (`order_id`);',
    'create index `payment_user_id_index` on `payment` (`user_id`);',
  ],
};
