import { type KnexClient, PooledTransaction } from './pooled.transaction.js';

interface QueryConfig {
  text: string;
  values?: unknown[];
}
type Callback = (err: Error | null, result: unknown) => void;

/** A `pg` connection, as far as a transaction uses it. */
export interface PgConnection {
  query(config: QueryConfig | string, callback?: Callback): unknown;
}

/**
 * A transaction on a pooled PostgreSQL connection whose BEGIN goes with its first statement, as
 * one multi-statement query: a round trip less per transaction (the ORM inlines its values, so its
 * statements are plain text). A transaction that ran no statement sends nothing at all.
 */
export class PostgresTransaction extends PooledTransaction<PgConnection> {
  /** On the outermost transaction: BEGIN has been sent. */
  private begun = false;
  /** The connection as the ORM's queries see it: their first one carries the BEGIN. */
  private readonly statements: PgConnection;

  private constructor(pool: KnexClient, connection: PgConnection, parent: PostgresTransaction | undefined, savepointName: string | undefined) {
    super(pool, connection, parent, savepointName);
    this.statements = Object.assign(Object.create(connection) as PgConnection, {
      query: (config: QueryConfig, callback: Callback) => this.query(config, callback),
    });
  }

  static async begin(pool: KnexClient): Promise<PostgresTransaction> {
    return new PostgresTransaction(pool, (await pool.acquireConnection()) as PgConnection, undefined, undefined);
  }

  protected async control(sql: string): Promise<void> {
    const root = this.root() as PostgresTransaction;
    if (!root.begun) {
      // Nothing ran: there is nothing to end on the server.
      if (sql === 'COMMIT' || sql === 'ROLLBACK') return;
      root.begun = true;
      await this.connection.query(`BEGIN; ${sql}`);
      return;
    }
    await this.connection.query(sql);
  }

  protected queryConnection(): PgConnection {
    this.open();
    return this.statements;
  }

  protected nested(name: string): PostgresTransaction {
    return new PostgresTransaction(this.pool, this.connection, this, name);
  }

  protected stillOpen(after: 'commit' | 'rollback'): boolean {
    // A failed COMMIT ends the transaction; after a failed ROLLBACK nothing is known, so assume it is open.
    return after === 'rollback' || this.savepointName !== undefined;
  }

  private query(config: QueryConfig, callback: Callback): unknown {
    const root = this.root() as PostgresTransaction;
    if (root.begun) return this.connection.query(config, callback);
    root.begun = true;
    if (config.values && config.values.length > 0) {
      // Values bound apart from the text need a statement of their own; `pg` sends BEGIN first.
      void (this.connection.query('BEGIN') as Promise<unknown>).catch(() => undefined);
      return this.connection.query(config, callback);
    }
    return this.connection.query({ ...config, text: `BEGIN; ${config.text}` }, (err, result) =>
      callback(err, Array.isArray(result) ? (result.length === 2 ? result[1] : result.slice(1)) : result),
    );
  }
}
