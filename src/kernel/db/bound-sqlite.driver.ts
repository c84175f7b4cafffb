import { AbstractSqlDriver, BetterSqliteConnection, BetterSqlitePlatform, type Knex } from '@mikro-orm/better-sqlite';
import type { AnyEntity, Configuration, EntityData, LoggingOptions, QueryResult, Transaction } from '@mikro-orm/core';
import Database from 'better-sqlite3';
import { type KnexClient, withPooledTransactions } from './pooled.transaction.js';
import { SqliteTransaction } from './sqlite.transaction.js';

/** Distinct SQL texts kept prepared per connection; the ORM generates a few dozen per module. */
const PREPARED_STATEMENTS = 500;

/**
 * Makes a connection keep its statements prepared: the query builder asks the driver to prepare
 * every statement anew, and compiling the same SQL again cost more than running it.
 */
export function keepStatementsPrepared<C extends { prepare(sql: string): unknown }>(connection: C): C {
  const prepare = connection.prepare.bind(connection);
  const prepared = new Map<string, unknown>();
  connection.prepare = (sql: string) => {
    let statement = prepared.get(sql);
    if (statement === undefined) {
      statement = prepare(sql);
      if (prepared.size >= PREPARED_STATEMENTS) prepared.delete(prepared.keys().next().value!);
      prepared.set(sql, statement);
    }
    return statement;
  };
  return connection;
}

/**
 * The parameters as the SQLite driver can bind them, or undefined when one of them needs the ORM's
 * own formatting (raw fragments, lists, JSON values). knex's better-sqlite3 dialect already turns
 * dates into epoch milliseconds and booleans into 0/1, as the ORM's formatting would.
 */
function bindable(params: readonly unknown[]): unknown[] | undefined {
  for (const value of params) {
    if (value === null || value instanceof Date || Buffer.isBuffer(value)) continue;
    const type = typeof value;
    if (type === 'string' || type === 'number' || type === 'bigint' || type === 'boolean') continue;
    return undefined;
  }
  return params as unknown[];
}

/**
 * MikroORM 6 writes every parameter into the SQL text before running it, so no two statements
 * with different values share a text: SQLite compiles each one anew (4–5 % of the all-in-one's CPU
 * under load) and no prepared statement is ever reused. This connection passes the values as
 * bindings instead, for the statements whose values bind as they are; the rest go the ORM's way.
 */
export class BoundSqliteConnection extends withPooledTransactions(BetterSqliteConnection, SqliteTransaction.begin) {
  /** The read-only connection once opened; null for a database in memory, which has none. */
  private readOnly: Database.Database | null | undefined;

  /**
   * A second connection, read-only, for statements that only read outside a transaction. The pool
   * has one connection, which a transaction holds while it waits for other work: there such a read
   * would wait behind it (and through knex), while a WAL reader sees the last commit at once.
   */
  reader(): Database.Database | undefined {
    if (this.readOnly === undefined) {
      const file = this.config.get('dbName');
      this.readOnly = file && file !== ':memory:' ? keepStatementsPrepared(new Database(file, { readonly: true, fileMustExist: true })) : null;
    }
    return this.readOnly ?? undefined;
  }

  /** Runs `work` on the pool's connection, once no transaction holds it. */
  async onPooledConnection<T>(work: (connection: Database.Database) => T): Promise<T> {
    const pool = this.getKnex().client as KnexClient;
    const connection = (await pool.acquireConnection()) as Database.Database;
    try {
      return work(connection);
    } finally {
      await pool.releaseConnection(connection);
    }
  }

  override async close(force?: boolean): Promise<void> {
    this.readOnly?.close();
    this.readOnly = undefined;
    await super.close(force);
  }

  override async execute<T extends QueryResult | EntityData<AnyEntity> | EntityData<AnyEntity>[] = EntityData<AnyEntity>[]>(
    queryOrKnex: string | Knex.QueryBuilder | Knex.Raw,
    params: unknown[] = [],
    method: 'all' | 'get' | 'run' = 'all',
    ctx?: Transaction,
    loggerContext?: LoggingOptions,
  ): Promise<T> {
    let sql: string;
    let bindings: readonly unknown[];
    let transaction = ctx;
    if (typeof queryOrKnex === 'string') {
      sql = queryOrKnex;
      bindings = params;
    } else {
      // As the ORM does: a query built inside a transaction runs in it.
      transaction ??= (queryOrKnex as unknown as { client: { transacting?: boolean } }).client.transacting
        ? (queryOrKnex as unknown as Transaction)
        : undefined;
      ({ sql, bindings = [] } = queryOrKnex.toSQL());
    }
    const values = bindings.length === 0 || sql.includes('??') || sql.includes('\\?') ? undefined : bindable(bindings);
    if (!values) return super.execute<T>(sql, [...bindings], method, transaction, loggerContext);
    await this.ensureConnection();
    sql = this.config.get('onQuery')(sql, values);
    return this.executeQuery(
      sql,
      async () => {
        const query = this.getKnex().raw(sql, values as Knex.RawBinding[]);
        if (transaction) void query.transacting(transaction as unknown as Knex.Transaction);
        return this.transformRawResult<T>(await query, method);
      },
      { query: sql, params: values, ...loggerContext },
    );
  }
}

export class BoundSqliteDriver extends AbstractSqlDriver<BoundSqliteConnection, BetterSqlitePlatform> {
  constructor(config: Configuration) {
    super(config, new BetterSqlitePlatform(), BoundSqliteConnection, ['knex', 'better-sqlite3']);
  }
}
