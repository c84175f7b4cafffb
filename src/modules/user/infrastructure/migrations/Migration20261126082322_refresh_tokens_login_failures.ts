import { Migration } from '@mikro-orm/migrations';

export class Migration20261126082322_refresh_tokens_login_failures extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "user"."login_failure" ("id" uuid not null, "scope_key" varchar(64) not null, "failed_at" timestamptz not null, constraint "login_failure_pkey" primary key ("id"));`);
    this.addSql(`create index "login_failure_failed_at_index" on "user"."login_failure" ("failed_at");`);
    this.addSql(`create index "login_failure_scope_key_failed_at_index" on "user"."login_failure" ("scope_key", "failed_at");`);

    this.addSql(`create table "user"."refresh_token" ("id" uuid not null, "token_hash" varchar(64) not null, "family_id" uuid not null, "user_id" uuid not null, "expires_at" timestamptz not null, "created_at" timestamptz not null, "used_at" timestamptz null, "revoked_at" timestamptz null, constraint "refresh_token_pkey" primary key ("id"));`);
    this.addSql(`alter table "user"."refresh_token" add constraint "refresh_token_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "refresh_token_family_id_index" on "user"."refresh_token" ("family_id");`);
    this.addSql(`create index "refresh_token_user_id_index" on "user"."refresh_token" ("user_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "user"."login_failure" cascade;`);

    this.addSql(`drop table if exists "user"."refresh_token" cascade;`);
  }

}
