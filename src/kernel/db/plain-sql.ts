import { type EntityManager, type EntitySchema, JsonType } from '@mikro-orm/core';
import type { AbstractSqlConnection } from '@mikro-orm/knex';
import type Database from 'better-sqlite3';
import { BoundSqliteConnection } from './bound-sqlite.driver.js';
import type { KnexClient } from './pooled.transaction.js';
import { type PgConnection, type PgResult, PostgresTransaction, runText } from './postgres.transaction.js';
import { SqliteTransaction } from './sqlite.transaction.js';

/**
 * Plain SQL on a module's database, in the transaction `em` is bound to. For the saga's hot path:
 * building an entity query, hydrating and tracking what it returns costs several times the
 * statement itself (`npm run bench:orm`). The same text runs on SQLite and PostgreSQL: values
 * bind as `?`, dates bind as they are (SQLite keeps them as epoch milliseconds, as the ORM does),
 * JSON binds as its text. Errors come as the ORM's exceptions, so a lost race on a unique key is
 * a `UniqueConstraintViolationException` here as well.
 */

/** As the ORM stores them on SQLite: dates as epoch milliseconds, booleans as 0 and 1. */
function sqliteValue(value: unknown): unknown {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value ?? null;
}

/** The table of an entity, with the module's schema on PostgreSQL. */
export function tableOf(em: EntityManager, entity: { meta: { tableName: string } }): string {
  const table = `"${entity.meta.tableName}"`;
  const schema = em.config.get('schema');
  return schema ? `"${schema}".${table}` : table;
}

/**
 * On SQLite a statement runs prepared straight on a connection (both keep their statements
 * prepared), skipping the ORM's and knex's way to it, which cost more than the statement: inside a
 * transaction on the transaction's connection; outside one, a read on the read-only connection
 * (it sees the last commit), and anything else on the pool's connection once no transaction holds
 * it. Undefined on PostgreSQL, where the statement goes through the ORM.
 */
function onSqlite<T>(em: EntityManager, trx: unknown, sql: string, use: (statement: Database.Statement) => T): T | Promise<T> | undefined {
  if (trx instanceof SqliteTransaction) return trx.onConnection((connection) => use(connection.prepare(sql)));
  const connection = em.getConnection();
  if (trx || !(connection instanceof BoundSqliteConnection)) return undefined;
  const read = connection.reader()?.prepare(sql);
  if (read?.readonly) return use(read);
  return connection.onPooledConnection((pooled) => use(pooled.prepare(sql)));
}

/**
 * On PostgreSQL a statement goes to `pg` as the ORM would send it (its values inlined by the ORM's
 * platform, so a transaction's BEGIN can ride on it), skipping knex's builder, runner and the ORM's
 * wrapper around them, which cost more than `pg` itself: inside a transaction on the transaction's
 * connection, outside one on a connection of the pool. Undefined on SQLite, and in a transaction
 * that is not one of ours.
 */
async function onPostgres(em: EntityManager, trx: unknown, sql: string, params: readonly unknown[]): Promise<PgResult | PgResult[] | undefined> {
  const connection = em.getConnection();
  // The two databases there are: not SQLite is PostgreSQL (whose driver is loaded only when used).
  if (connection instanceof BoundSqliteConnection || (trx && !(trx instanceof PostgresTransaction))) return undefined;
  const text = em.getPlatform().formatQuery(sql, [...params]);
  if (trx instanceof PostgresTransaction) return trx.run(text);
  const pool = (connection as AbstractSqlConnection).getKnex().client as KnexClient;
  const pooled = (await pool.acquireConnection()) as PgConnection;
  try {
    return await runText(pooled, text);
  } finally {
    await pool.releaseConnection(pooled);
  }
}

/** A statement's answer as the ORM gives it: its rows, or how many it changed. */
function fromPg(result: PgResult, method: 'all' | 'run'): unknown {
  return method === 'all' ? result.rows : { affectedRows: result.rowCount ?? 0 };
}

async function execute<T>(em: EntityManager, sql: string, params: readonly unknown[], method: 'all' | 'run'): Promise<T> {
  const trx = em.getTransactionContext();
  try {
    const values = params.map(sqliteValue);
    const result = onSqlite(em, trx, sql, (statement) => (method === 'all' ? statement.all(...values) : { affectedRows: statement.run(...values).changes }));
    if (result !== undefined) return (await result) as T;
    const pg = await onPostgres(em, trx, sql, params);
    if (pg) return (Array.isArray(pg) ? pg.map((one) => fromPg(one, method)) : fromPg(pg, method)) as T;
    return await em.getConnection().execute<T & object>(sql, [...params], method, trx);
  } catch (err) {
    throw em.getDriver().convertException(err as Error);
  }
}

/** The rows a query returns, as the driver gives them (see `jsonColumn`, `dateColumn`). */
export function selectRows<T>(em: EntityManager, sql: string, params: readonly unknown[]): Promise<T[]> {
  return execute<T[]>(em, sql, params, 'all');
}

/** Runs an insert, update or delete; returns the rows it changed. */
export async function changeRows(em: EntityManager, sql: string, params: readonly unknown[]): Promise<number> {
  return (await execute<{ affectedRows: number }>(em, sql, params, 'run')).affectedRows;
}

/**
 * `changeRows` for a statement whose count nobody needs and that may run last: on PostgreSQL it
 * goes out together with the transaction's COMMIT, a round trip less (its errors then come from
 * the commit); elsewhere, and in a nested transaction, it runs at once.
 */
export async function changeRowsAtCommit(em: EntityManager, sql: string, params: readonly unknown[]): Promise<void> {
  const trx = em.getTransactionContext();
  if (trx instanceof PostgresTransaction && trx.isRoot) trx.carryToCommit(em.getPlatform().formatQuery(sql, [...params]));
  else await changeRows(em, sql, params);
}

/** A JSON column as read: text on SQLite, already parsed on PostgreSQL. */
export function jsonColumn<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/**
 * A date column as read: epoch milliseconds on SQLite; on PostgreSQL the ORM's pool returns
 * timestamps as text (so that it, not the driver, picks the time zone), or a Date.
 */
function dateColumn(value: unknown): Date {
  if (value instanceof Date) return value;
  return typeof value === 'number' || /^\d+$/.test(String(value)) ? new Date(Number(value)) : new Date(String(value));
}

/** How one property of an entity is stored: its column, and how its value is written and read. */
interface Column {
  property: string;
  field: string;
  write(value: unknown): unknown;
  read(value: unknown): unknown;
}

const columnsByEntity = new WeakMap<object, Column[]>();

/** The entity's columns from the ORM's discovered metadata (JSON and date properties converted). */
function columnsOf(em: EntityManager, entity: { meta: { className: string } }): Column[] {
  const meta = em.getMetadata().get(entity.meta.className);
  let columns = columnsByEntity.get(meta);
  if (!columns) {
    columns = meta.props.map((prop) => {
      const json = prop.customType instanceof JsonType;
      const date = prop.runtimeType === 'Date';
      return {
        property: prop.name,
        field: prop.fieldNames[0]!,
        write: json ? (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v)) : (v: unknown) => v,
        read: json ? (v: unknown) => jsonColumn(v) : date ? (v: unknown) => (v === null ? null : dateColumn(v)) : (v: unknown) => v,
      };
    });
    columnsByEntity.set(meta, columns);
  }
  return columns;
}

/** The rows of an entity's table that match `where` (the SQL after `where`), as the entity's plain objects. */
export async function selectEntities<T extends object>(em: EntityManager, entity: EntitySchema<T>, where: string, params: readonly unknown[]): Promise<T[]> {
  const columns = columnsOf(em, entity);
  const rows = await selectRows<Record<string, unknown>>(
    em,
    `select ${columns.map((c) => c.field).join(', ')} from ${tableOf(em, entity)} where ${where}`,
    params,
  );
  return rows.map((row) => {
    const value: Record<string, unknown> = {};
    for (const c of columns) value[c.property] = c.read(row[c.field]);
    return value as T;
  });
}

/** Adds an entity's row: every property, as the ORM would store it. */
export async function insertEntity<T extends object>(em: EntityManager, entity: EntitySchema<T>, value: T): Promise<void> {
  const columns = columnsOf(em, entity);
  await changeRows(
    em,
    `insert into ${tableOf(em, entity)} (${columns.map((c) => c.field).join(', ')}) values (${columns.map(() => '?').join(', ')})`,
    columns.map((c) => c.write((value as Record<string, unknown>)[c.property])),
  );
}
