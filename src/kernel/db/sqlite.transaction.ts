import type { Knex } from '@mikro-orm/better-sqlite';
import type Database from 'better-sqlite3';

type KnexClient = Knex.Client & { releaseConnection(connection: unknown): Promise<void> };

/**
 * A transaction on the SQLite connection a module's pool holds: BEGIN, COMMIT and ROLLBACK run as
 * prepared statements on it. knex builds a whole knex instance per transaction (a hundred
 * properties redefined: 8 % of the Kafka bench's CPU) to answer the few things the ORM asks of
 * one: a `client` that hands queries this connection (what knex's `transacting` takes), `commit`,
 * `rollback`, `executionPromise`. Nested transactions are savepoints on the same connection.
 */
export class SqliteTransaction {
  /** Read by knex's `transacting` and by every query built on it: they run on `connection`. */
  readonly client: KnexClient;
  /** Awaited by the ORM after `commit`; statements here are synchronous, so it is settled at once. */
  executionPromise: Promise<void> = Promise.resolve();
  private completed = false;

  private constructor(
    private readonly pool: KnexClient,
    private readonly connection: Database.Database,
    /** The savepoint's name; undefined for the outermost transaction. */
    readonly savepointName: string | undefined,
    private readonly depth: number,
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
    const connection = (await pool.acquireConnection()) as Database.Database;
    try {
      connection.prepare('BEGIN').run();
    } catch (err) {
      await pool.releaseConnection(connection);
      throw err;
    }
    return new SqliteTransaction(pool, connection, undefined, 0);
  }

  get isRoot(): boolean {
    return this.savepointName === undefined;
  }

  /** A transaction nested in this one. */
  savepoint(): SqliteTransaction {
    const name = `trx${this.depth + 1}`;
    this.connection.prepare(`SAVEPOINT ${name}`).run();
    return new SqliteTransaction(this.pool, this.connection, name, this.depth + 1);
  }

  /** Runs `work` on the transaction's connection, while the transaction lasts. */
  onConnection<T>(work: (connection: Database.Database) => T): T {
    return work(this.open());
  }

  /** The connection, while the transaction lasts. */
  private open(): Database.Database {
    if (this.completed) throw new Error('the transaction has already ended');
    return this.connection;
  }

  isCompleted(): boolean {
    return this.completed;
  }

  commit(): void {
    if (this.savepointName) this.connection.prepare(`RELEASE ${this.savepointName}`).run();
    else this.connection.prepare('COMMIT').run();
    this.end();
  }

  async rollback(): Promise<void> {
    try {
      // SQLite has already rolled back a transaction that failed on a full disk or an I/O error.
      if (this.connection.inTransaction) {
        if (this.savepointName) {
          this.connection.prepare(`ROLLBACK TO ${this.savepointName}`).run();
          this.connection.prepare(`RELEASE ${this.savepointName}`).run();
        } else this.connection.prepare('ROLLBACK').run();
      }
    } finally {
      this.end();
    }
  }

  private end(): void {
    this.completed = true;
    if (this.isRoot) void this.pool.releaseConnection(this.connection);
  }
}
