import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { MikroORM, type Options } from '@mikro-orm/core';
import type { Logger } from 'pino';
import type { AnyEntitySchema } from './entity-schema.js';
import { applyMigrations, hasMigrationsTable, quoteIdent, recordMigrations } from './migration.runner.js';
import type { SchemaMigration } from './schema-migration.js';
import { BoundSqliteDriver, keepStatementsPrepared } from './bound-sqlite.driver.js';

/** Where one module keeps its data. */
export type DatabaseTarget = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema: string; pool?: PoolSize };

export interface PoolSize {
  min: number;
  max: number;
}

export interface DatabaseSettings {
  dataDir: string;
  inMemory: boolean;
  url?: string;
  urls: Record<string, string>;
  pool?: PoolSize;
}

/** Each module gets its own database: a SQLite file by default, PostgreSQL when a URL is set. */
export function databaseTargetFor(module: string, settings: DatabaseSettings): DatabaseTarget {
  const url = settings.urls[module] ?? settings.url;
  if (url) return { kind: 'postgres', url, schema: module, ...(settings.pool ? { pool: settings.pool } : {}) };
  return { kind: 'sqlite', file: settings.inMemory ? ':memory:' : join(settings.dataDir, `${module}.db`) };
}

export function isPostgres(orm: MikroORM): boolean {
  return orm.em.getPlatform().constructor.name === 'PostgreSqlPlatform';
}

/** First key of the advisory lock taken while a schema is migrated (the second is the schema name's hash). */
const MIGRATION_LOCK_CLASS = 0x4d657263; // "Merc"

/** A module's PostgreSQL connection pool (`database.pool`). */
export interface PoolSettings {
  min: number;
  max: number;
  idleTimeoutMs: number;
}

export interface ModuleOrmOptions {
  /** PostgreSQL only; knex's defaults (2–10, 30 s idle) when absent. */
  pool?: PoolSettings;
  /**
   * The schema's migrations, oldest first, applied at start on SQLite and PostgreSQL alike.
   * Passed explicitly rather than found by glob, so that tsx, vitest and compiled code behave alike.
   */
  migrations?: readonly SchemaMigration[];
}

function commonOptions(entities: readonly AnyEntitySchema[], logger: Logger | undefined): Options {
  return {
    entities: [...entities],
    allowGlobalContext: false,
    discovery: { warnWhenNoEntities: false },
    logger: (message) => logger?.debug(message),
    debug: false,
  };
}

/**
 * The ORM options of a module on PostgreSQL: its tables and its migration history live in the
 * schema named after it. Also used by `scripts/create-migration.ts`, so generated migrations match
 * what runs in production.
 */
export async function postgresOrmOptions(
  entities: readonly AnyEntitySchema[],
  target: Extract<DatabaseTarget, { kind: 'postgres' }>,
  logger: Logger | undefined,
  pool?: PoolSettings,
): Promise<Options> {
  // Loaded on demand: a deployment on SQLite never loads the PostgreSQL driver.
  const { PostgresDriver } = await import('./postgres.driver.js');
  return {
    ...commonOptions(entities, logger),
    driver: PostgresDriver,
    clientUrl: target.url,
    schema: target.schema,
    ...(target.pool ? { pool: target.pool } : {}),
    // A missing database is created (race-safely) by ensurePostgresDatabase, not by MikroORM.
    ensureDatabase: false,
    ...(pool ? { pool: { min: pool.min, max: pool.max, idleTimeoutMillis: pool.idleTimeoutMs } } : {}),
  };
}

/**
 * A connection to the maintenance database (`postgres`) of the server a URL points at, for
 * creating or dropping databases. Close it when done.
 */
export async function connectToServer(url: string): Promise<MikroORM> {
  const { PostgreSqlDriver } = await import('@mikro-orm/postgresql');
  return MikroORM.init({
    driver: PostgreSqlDriver,
    clientUrl: url,
    dbName: 'postgres',
    entities: [],
    discovery: { warnWhenNoEntities: false },
    ensureDatabase: false,
    allowGlobalContext: true,
    debug: false,
    pool: { min: 0, max: 1 },
  });
}

/** Creates the database of a PostgreSQL URL if it does not exist; safe when several processes do it at once. */
export async function ensurePostgresDatabase(url: string): Promise<void> {
  const dbName = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!dbName) throw new Error('the PostgreSQL URL names no database');
  const admin = await connectToServer(url);
  try {
    const connection = admin.em.getConnection();
    const found = await connection.execute('select 1 from pg_database where datname = ?', [dbName]);
    if (found.length > 0) return;
    try {
      await connection.execute(`create database ${quoteIdent(dbName)}`);
    } catch (err) {
      // Another process created it between our check and our create.
      const code = (err as { code?: string }).code;
      if (code !== '42P04' && code !== '23505') throw err;
    }
  } finally {
    await admin.close(true);
  }
}

/**
 * Brings a module's schema up to date: creates it if missing and applies pending migrations,
 * under an advisory lock keyed by the schema name so that concurrent starts apply each migration once.
 * Returns the names of the migrations applied.
 */
export async function migrateModuleSchema(orm: MikroORM, schema: string, migrations: readonly SchemaMigration[]): Promise<string[]> {
  const connection = orm.em.getConnection();
  // The lock is held by this (otherwise idle) transaction; the work runs on other pooled
  // connections and commits on its own. The lock goes with the transaction, even on a crash.
  return connection.transactional(async (lock) => {
    await connection.execute('select pg_advisory_xact_lock(?, hashtext(?))', [MIGRATION_LOCK_CLASS, `migrations:${schema}`], 'all', lock);
    await connection.execute(`create schema if not exists ${quoteIdent(schema)}`);
    return applyMigrations(orm, 'postgresql', migrations, schema);
  });
}

/**
 * Brings a module's SQLite file up to date. A data dir from before SQLite ran migrations has its
 * tables (built from the entities by `updateSchema`) and no migrations table: it is updated the old
 * way once more, then every migration is recorded as applied, and from then on migrations run.
 */
async function migrateSqlite(orm: MikroORM, migrations: readonly SchemaMigration[]): Promise<{ applied: string[]; baselined: boolean }> {
  if (!(await hasMigrationsTable(orm, 'sqlite'))) {
    const tables = await orm.em.getConnection().execute("select 1 from sqlite_master where type = 'table' and substr(name, 1, 7) <> 'sqlite_'");
    if (tables.length > 0) {
      await orm.schema.updateSchema();
      await recordMigrations(
        orm,
        'sqlite',
        migrations.map((m) => m.name),
      );
      return { applied: [], baselined: true };
    }
  }
  return { applied: await applyMigrations(orm, 'sqlite', migrations), baselined: false };
}

interface SqliteConnection {
  pragma(sql: string): unknown;
  prepare(sql: string): unknown;
}

/**
 * WAL lets readers run beside the writer; `synchronous = normal` skips the fsync on every commit,
 * which in WAL mode still survives a killed process (only a power cut can lose the last commits).
 */
function tuneSqliteConnection(connection: SqliteConnection, done: (err: Error | null, connection: unknown) => void): void {
  connection.pragma('journal_mode = wal');
  connection.pragma('synchronous = normal');
  done(null, keepStatementsPrepared(connection));
}

export async function createModuleOrm(
  entities: readonly AnyEntitySchema[],
  target: DatabaseTarget,
  /** The module's logger: its lines already name the module. */
  logger: Logger,
  options: ModuleOrmOptions = {},
): Promise<MikroORM> {
  const migrations = options.migrations ?? [];
  if (target.kind === 'postgres') {
    const orm = await MikroORM.init(await postgresOrmOptions(entities, target, logger, options.pool));
    try {
      // Only a missing database sends us to the server's maintenance database to create it.
      await orm.em
        .getConnection()
        .execute('select 1')
        .catch(async (err: unknown) => {
          if ((err as { code?: string }).code !== '3D000') throw err;
          await ensurePostgresDatabase(target.url);
        });
      const applied = await migrateModuleSchema(orm, target.schema, migrations);
      if (applied.length > 0) logger.info({ schema: target.schema, migrations: applied }, 'database migrations applied');
    } catch (err) {
      await orm.close(true);
      throw err;
    }
    return orm;
  }
  if (target.file !== ':memory:') mkdirSync(join(target.file, '..'), { recursive: true });
  const orm = await MikroORM.init({
    ...commonOptions(entities, logger),
    driver: BoundSqliteDriver,
    dbName: target.file,
    pool: { min: 1, max: 1, afterCreate: tuneSqliteConnection },
  });
  try {
    const { applied, baselined } = await migrateSqlite(orm, migrations);
    if (baselined) logger.info({ file: target.file }, 'database from before migrations: schema updated and its migrations recorded as applied');
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrations applied');
  } catch (err) {
    await orm.close(true);
    throw err;
  }
  return orm;
}
