import type { SchemaMigration } from '../../../../kernel/db/schema-migration.js';

export const Migration20261126082322_refresh_tokens_login_failures: SchemaMigration = {
  name: 'Migration20261126082322_refresh_tokens_login_failures',
  postgresql: () => [
    `create table "user"."login_failure" ("id" uuid not null, "scope_key" varchar(64) not null, "failed_at" timestamptz not null, constraint "login_failure_pkey" primary key ("id"));`,
    `create index "login_failure_failed_at_index" on "user"."login_failure" ("failed_at");`,
    `create index "login_failure_scope_key_failed_at_index" on "user"."login_failure" ("scope_key", "failed_at");`,
    `create table "user"."refresh_token" ("id" uuid not null, "token_hash" varchar(64) not null, "family_id" uuid not null, "user_id" uuid not null, "expires_at" timestamptz not null, "created_at" timestamptz not null, "used_at" timestamptz null, "revoked_at" timestamptz null, constraint "refresh_token_pkey" primary key ("id"));`,
    `alter table "user"."refresh_token" add constraint "refresh_token_token_hash_unique" unique ("token_hash");`,
    `create index "refresh_token_family_id_index" on "user"."refresh_token" ("family_id");`,
    `create index "refresh_token_user_id_index" on "user"."refresh_token" ("user_id");`,
  ],
  sqlite: () => [
    'create table `login_failure` (`id` text not null, `scope_key` text not null, `failed_at` datetime not null, primary key (`id`));',
    'create index `login_failure_failed_at_index` on `login_failure` (`failed_at`);',
    'create index `login_failure_scope_key_failed_at_index` on `login_failure` (`scope_key`, `failed_at`);',
    'create table `refresh_token` (`id` text not null, `token_hash` text not null, `family_id` text not null, `user_id` text not null, `expires_at` datetime not null, `created_at` datetime not null, `used_at` datetime null, `revoked_at` datetime null, primary key (`id`));',
    'create unique index `refresh_token_token_hash_unique` on `refresh_token` (`token_hash`);',
    'create index `refresh_token_family_id_index` on `refresh_token` (`family_id`);',
    'create index `refresh_token_user_id_index` on `refresh_token` (`user_id`);',
  ],
};
