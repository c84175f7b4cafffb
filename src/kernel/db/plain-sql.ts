import type { EntityManager } from '@mikro-orm/core';

/**
 * Plain SQL on a module's database, in the transaction `em` is bound to. For the saga's hot path:
 * building an entity query, hydrating and tracking what it returns costs several times the
 * statement itself (`npm run bench:orm`). The same text runs on SQLite and PostgreSQL: values
 * bind as `?`, dates bind as they are (SQLite keeps them as epoch milliseconds, as the ORM does),
 * JSON binds as its text. Errors come as the ORM's exceptions, so a lost race on a unique key is
 * a `UniqueConstraintViolationException` here as well.
 */

/** The table of an entity, with the module's schema on PostgreSQL. */
export function tableOf(em: EntityManager, entity: { meta: { tableName: string } }): string {
  const table = `"${entity.meta.tableName}"`;
  const schema = em.config.get('schema');
  return schema ? `"${schema}".${table}` : table;
}

async function execute<T>(em: EntityManager, sql: string, params: readonly unknown[], method: 'all' | 'run'): Promise<T> {
  try {
    return await em.getConnection().execute<T & object>(sql, [...params], method, em.getTransactionContext());
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

/** A JSON column as read: text on SQLite, already parsed on PostgreSQL. */
export function jsonColumn<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/**
 * A date column as read: epoch milliseconds on SQLite; on PostgreSQL the ORM's pool returns
 * timestamps as text (so that it, not the driver, picks the time zone), or a Date.
 */
export function dateColumn(value: unknown): Date {
  if (value instanceof Date) return value;
  return typeof value === 'number' || /^\d+$/.test(String(value)) ? new Date(Number(value)) : new Date(String(value));
}
