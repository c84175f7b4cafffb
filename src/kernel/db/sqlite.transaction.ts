import type { Knex } from '@mikro-orm/better-sqlite';
import type Database from 'better-sqlite3';

type KnexClient = Knex.Client & { releaseConnection(connection: unknown): Promise<void> };

/** knex's pool destroys a connection marked so instead of lending it again. */
type PooledConnection = Database.Database & { __knex__disposed?: unknown };

/**
 * A transaction on the SQLite connection a module's pool holds: BEGIN, COMMIT and ROLLBACK run as
 * prepared statements on it. knex builds a whole knex instance per transaction (a hundred
 * properties redefined: 8 % of the Kafka bench's CPU) to answer the few things the ORM asks of
 * one: a `client` that hands queries this connection (what knex's `transacting` takes), `commit`,
 * `rollback`, `executionPromise`. Nested transactions are savepoints on the same connection, one
 * open at a time per transaction.
 */
export class SqliteTransaction {
  /** Read by knex's `transacting` and by every query built on it: they run on `connection`. */
  readonly client: KnexClient;
  /** Awaited by the ORM after `commit`; statements here are synchronous, so it is settled at once. */
  executionPromise: Promise<void> = Promise.resolve();
  private completed = false;
  private child: SqliteTransaction | undefined;
  /** Savepoints begun so far under the outermost transaction: each gets a name of its own. */
  private savepoints = 0;

  private constructor(
    private readonly pool: KnexClient,
    private readonly connection: PooledConnection,
    private readonly parent: SqliteTransaction | undefined,
    /** The savepoint's name; undefined for the outermost transaction. */
    readonly savepointName: string | undefined,
  ) {
    this.client = Object.assign(Object.create(pool) as KnexClient, {
      transacting: true,
      acquireConnection: async () => this.open(),
      // The connection goes back to the pool when the outermost transaction ends, not per query.
      releaseConnection: async () => {},
    });
  }

  /** Takes the pool's connection (waiting for another transaction to end) and begins on it. */
  static async begin(pool: KnexClient): Promise<SqliteTransaction> {
    const connection = (await pool.acquireConnection()) as PooledConnection;
    try {
      connection.prepare('BEGIN').run();
    } catch (err) {
      SqliteTransaction.giveBack(pool, connection, err);
      throw err;
    }
    return new SqliteTransaction(pool, connection, undefined, undefined);
  }

  get isRoot(): boolean {
    return this.parent === undefined;
  }

  /** A transaction nested in this one. */
  savepoint(): SqliteTransaction {
    this.open();
    if (this.child && !this.child.completed) throw new Error('a nested transaction is already open in this transaction');
    const root = this.root();
    root.savepoints += 1;
    const name = `trx${root.savepoints}`;
    this.connection.prepare(`SAVEPOINT ${name}`).run();
    this.child = new SqliteTransaction(this.pool, this.connection, this, name);
    return this.child;
  }

  /** Runs `work` on the transaction's connection, while the transaction lasts. */
  onConnection<T>(work: (connection: Database.Database) => T): T {
    return work(this.open());
  }

  isCompleted(): boolean {
    return this.completed || (this.parent?.isCompleted() ?? false);
  }

  commit(): void {
    this.open();
    if (this.savepointName) this.connection.prepare(`RELEASE ${this.savepointName}`).run();
    else this.connection.prepare('COMMIT').run();
    this.end();
  }

  async rollback(): Promise<void> {
    // Ended already (committed, or its outer transaction ended): the connection may be another's now.
    if (this.isCompleted()) return;
    try {
      // SQLite has already rolled back a transaction that failed on a full disk or an I/O error.
      if (this.connection.inTransaction) {
        if (this.savepointName) {
          this.connection.prepare(`ROLLBACK TO ${this.savepointName}`).run();
          this.connection.prepare(`RELEASE ${this.savepointName}`).run();
        } else this.connection.prepare('ROLLBACK').run();
      }
    } catch (err) {
      if (this.isRoot) this.connection.__knex__disposed = err;
      throw err;
    } finally {
      this.end();
    }
  }

  /** The connection, while this transaction and the ones around it last. */
  private open(): Database.Database {
    if (this.isCompleted()) throw new Error('the transaction has already ended');
    return this.connection;
  }

  private root(): SqliteTransaction {
    return this.parent ? this.parent.root() : this;
  }

  private end(): void {
    this.completed = true;
    if (this.isRoot) void this.pool.releaseConnection(this.connection);
  }

  /** Returns a connection to the pool; one left inside a transaction is destroyed, not lent again. */
  private static giveBack(pool: KnexClient, connection: PooledConnection, err: unknown): void {
    if (connection.inTransaction) connection.__knex__disposed = err;
    void pool.releaseConnection(connection);
  }
}
