import type { MikroORM } from '@mikro-orm/core';
import type { SchemaMigration } from './schema-migration.js';

/**
 * Name of the table, inside the module's own schema, that lists the migrations applied there. The
 * layout is the one MikroORM's migrator used (id, name, executed_at), so databases it migrated carry on.
 */
export const MIGRATIONS_TABLE = 'mikro_orm_migrations';

type Dialect = 'postgresql' | 'sqlite';

function tableOf(dialect: Dialect, schema: string | undefined): string {
  return dialect === 'postgresql' && schema ? `${quoteIdent(schema)}.${quoteIdent(MIGRATIONS_TABLE)}` : quoteIdent(MIGRATIONS_TABLE);
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Whether the migrations table exists yet (it does not in a SQLite data dir built by `updateSchema`). */
export async function hasMigrationsTable(orm: MikroORM, dialect: Dialect, schema?: string): Promise<boolean> {
  const connection = orm.em.getConnection();
  const rows =
    dialect === 'postgresql'
      ? await connection.execute('select 1 from information_schema.tables where table_schema = ? and table_name = ?', [schema ?? 'public', MIGRATIONS_TABLE])
      : await connection.execute('select 1 from sqlite_master where type = ? and name = ?', ['table', MIGRATIONS_TABLE]);
  return rows.length > 0;
}

async function ensureMigrationsTable(orm: MikroORM, dialect: Dialect, schema: string | undefined): Promise<void> {
  const columns =
    dialect === 'postgresql'
      ? '"id" serial primary key, "name" varchar(255), "executed_at" timestamptz default current_timestamp'
      : '"id" integer not null primary key autoincrement, "name" varchar(255), "executed_at" datetime default current_timestamp';
  await orm.em.getConnection().execute(`create table if not exists ${tableOf(dialect, schema)} (${columns})`);
}

/** Records migrations as applied without running them (a schema that already has what they build). */
export async function recordMigrations(orm: MikroORM, dialect: Dialect, names: readonly string[], schema?: string): Promise<void> {
  await ensureMigrationsTable(orm, dialect, schema);
  const connection = orm.em.getConnection();
  for (const name of names) await connection.execute(`insert into ${tableOf(dialect, schema)} ("name") values (?)`, [name]);
}

/**
 * Applies the migrations not yet recorded, in the order given, each in its own transaction together
 * with its record, so that a crash leaves every migration either applied and recorded or neither.
 * Returns the names applied. The caller serialises concurrent runs (PostgreSQL: an advisory lock).
 */
export async function applyMigrations(orm: MikroORM, dialect: Dialect, migrations: readonly SchemaMigration[], schema?: string): Promise<string[]> {
  await ensureMigrationsTable(orm, dialect, schema);
  const connection = orm.em.getConnection();
  const table = tableOf(dialect, schema);
  const rows: { name: string }[] = await connection.execute(`select "name" from ${table}`);
  const done = new Set(rows.map((r) => r.name));
  const applied: string[] = [];
  for (const migration of migrations) {
    if (done.has(migration.name)) continue;
    const statements = dialect === 'postgresql' ? migration.postgresql(schema ?? 'public') : migration.sqlite();
    await connection.transactional(async (trx) => {
      for (const sql of statements) await connection.execute(sql, [], 'run', trx);
      await connection.execute(`insert into ${table} ("name") values (?)`, [migration.name], 'run', trx);
    });
    applied.push(migration.name);
  }
  return applied;
}
