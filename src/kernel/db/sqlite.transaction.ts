import type Database from 'better-sqlite3';
import { type Disposable, type KnexClient, PooledTransaction } from './pooled.transaction.js';

/**
 * A transaction on the SQLite connection a module's pool holds: BEGIN, COMMIT and ROLLBACK run as
 * prepared statements on it, and so do plain statements (`onConnection`).
 */
export class SqliteTransaction extends PooledTransaction<Database.Database> {
  /** The connection as the ORM's queries see it: a statement prepared after the end is refused. */
  private readonly statements: Database.Database;

  private constructor(pool: KnexClient, connection: Database.Database, parent: SqliteTransaction | undefined, savepointName: string | undefined) {
    super(pool, connection, parent, savepointName);
    this.statements = Object.assign(Object.create(connection) as Database.Database, {
      prepare: (sql: string) => this.open().prepare(sql),
    });
  }

  /** Takes the pool's connection (waiting for another transaction to end) and begins on it. */
  static async begin(pool: KnexClient): Promise<SqliteTransaction> {
    const connection = (await pool.acquireConnection()) as Database.Database & Disposable;
    try {
      connection.prepare('BEGIN').run();
    } catch (err) {
      if (connection.inTransaction) connection.__knex__disposed = err;
      void pool.releaseConnection(connection);
      throw err;
    }
    return new SqliteTransaction(pool, connection, undefined, undefined);
  }

  /** Runs `work` on the transaction's connection, while the transaction lasts. */
  onConnection<T>(work: (connection: Database.Database) => T): T {
    return work(this.open());
  }

  protected control(sql: string): void {
    // SQLite has already rolled back a transaction that failed on a full disk or an I/O error.
    if (sql.startsWith('ROLLBACK') && !this.connection.inTransaction) return;
    for (const statement of sql.split('; ')) this.connection.prepare(statement).run();
  }

  protected queryConnection(): Database.Database {
    this.open();
    return this.statements;
  }

  protected nested(name: string): SqliteTransaction {
    return new SqliteTransaction(this.pool, this.connection, this, name);
  }

  protected stillOpen(): boolean {
    return this.connection.inTransaction;
  }
}
