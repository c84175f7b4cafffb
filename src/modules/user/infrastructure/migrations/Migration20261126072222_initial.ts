import type { SchemaMigration } from '../../../../kernel/db/schema-migration.js';

export const Migration20261126072222_initial: SchemaMigration = {
  name: 'Migration20261126072222_initial',
  postgresql: () => [
    `create schema if not exists "user";`,
    `create table "user"."app_user" ("id" uuid not null, "email" varchar(254) not null, "name" varchar(100) not null, "role" varchar(20) not null, "password_hash" varchar(255) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "app_user_pkey" primary key ("id"));`,
    `alter table "user"."app_user" add constraint "app_user_email_unique" unique ("email");`,
  ],
  sqlite: () => [
    'create table `app_user` (`id` text not null, `email` text not null, `name` text not null, `role` text not null, `password_hash` text not null, `created_at` datetime not null, `updated_at` datetime not null, primary key (`id`));',
    'create unique index `app_user_email_unique` on `app_user` (`email`);',
  ],
};
