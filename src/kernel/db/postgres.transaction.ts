import { type KnexClient, PooledTransaction } from './pooled.transaction.js';

interface QueryConfig {
  text: string;
  values?: unknown[];
}
type Callback = (err: Error | null, result: unknown) => void;

/** What `pg` answers a statement with, as far as plain SQL reads it. */
export interface PgResult {
  rows: Record<string, unknown>[];
  rowCount: number | null;
}

/** A `pg` connection, as far as a transaction uses it. */
export interface PgConnection {
  query(config: QueryConfig | string, callback?: Callback): unknown;
}

/** Runs plain-text statements on a connection: one result, or one per statement when there are several. */
export function runText(connection: PgConnection, text: string): Promise<PgResult | PgResult[]> {
  return new Promise((resolve, reject) => connection.query({ text }, (err, result) => (err ? reject(err) : resolve(result as PgResult | PgResult[]))));
}

/**
 * A transaction on a pooled PostgreSQL connection whose BEGIN goes with its first statement, as
 * one multi-statement query: a round trip less per transaction (the ORM inlines its values, so its
 * statements are plain text). A transaction that ran no statement sends nothing at all.
 */
export class PostgresTransaction extends PooledTransaction<PgConnection> {
  /** On the outermost transaction: BEGIN has been sent, so COMMIT or ROLLBACK must be. */
  private began = false;
  /** On the outermost transaction: the next statement carries BEGIN. */
  private needsBegin = true;
  /** The connection as the ORM's queries see it: their first one carries the BEGIN. */
  private readonly statements: PgConnection;
  /** On the outermost transaction: statements sent together with COMMIT. */
  private withCommit: string[] = [];
  /** COMMIT went out with statements in front: if it failed, one of them may have, leaving the transaction open. */
  private commitCarried = false;

  private constructor(pool: KnexClient, connection: PgConnection, parent: PostgresTransaction | undefined, savepointName: string | undefined) {
    super(pool, connection, parent, savepointName);
    this.statements = Object.assign(Object.create(connection) as PgConnection, {
      query: (config: QueryConfig | string, callback?: Callback) => this.query(config, callback),
    });
  }

  static async begin(pool: KnexClient): Promise<PostgresTransaction> {
    return new PostgresTransaction(pool, (await pool.acquireConnection()) as PgConnection, undefined, undefined);
  }

  /**
   * Sends `sql` (its values already in its text) together with COMMIT, a round trip less; a
   * rollback drops it. Only the outermost transaction carries statements: a savepoint's work can
   * be rolled back on its own.
   */
  carryToCommit(sql: string): void {
    this.open();
    if (!this.isRoot) throw new Error('only the outermost transaction carries statements to its commit');
    this.withCommit.push(sql);
  }

  /** Runs plain-text statements (values already in their text) in the transaction, on its connection. */
  run(text: string): Promise<PgResult | PgResult[]> {
    return runText(this.queryConnection(), text);
  }

  protected async control(sql: string): Promise<void> {
    const root = this.root() as PostgresTransaction;
    if (sql === 'COMMIT' && this.withCommit.length > 0) {
      this.commitCarried = true;
      await this.connection.query(this.withBegin(`${this.withCommit.join('; ')}; COMMIT`));
    } else if (sql.startsWith('SAVEPOINT')) await this.connection.query(root.withBegin(sql));
    // Ending: nothing to end on the server if nothing ran, and never a BEGIN in front (it would
    // fail in an aborted transaction and take the ROLLBACK with it).
    else if (root.began) await this.connection.query(sql);
  }

  protected queryConnection(): PgConnection {
    this.open();
    return this.statements;
  }

  protected nested(name: string): PostgresTransaction {
    return new PostgresTransaction(this.pool, this.connection, this, name);
  }

  protected stillOpen(after: 'commit' | 'rollback'): boolean {
    // A failed COMMIT ends the transaction, unless a statement in front of it failed first; after a
    // failed ROLLBACK nothing is known, so assume it is open. A needless ROLLBACK is only a warning.
    return after === 'rollback' || this.savepointName !== undefined || this.commitCarried;
  }

  /** `sql`, preceded by BEGIN when the transaction has not begun on the server yet. */
  private withBegin(sql: string): string {
    if (!this.needsBegin) return sql;
    this.began = true;
    this.needsBegin = false;
    return sql ? `BEGIN; ${sql}` : 'BEGIN';
  }

  private query(config: QueryConfig | string, callback?: Callback): unknown {
    // Checked again here: knex took the connection while the transaction was open, but a query
    // sent after it ended would run on a connection the pool may have lent to someone else.
    if (this.isCompleted()) {
      const ended = new Error('the transaction has already ended');
      if (!callback) return Promise.reject(ended);
      callback(ended, undefined);
      return undefined;
    }
    const root = this.root() as PostgresTransaction;
    if (!root.needsBegin) return this.connection.query(config, callback);
    if (!callback || !isPlainText(config)) {
      // Bound values, a prepared or streamed query: a statement of its own, which `pg` sends first.
      void (this.connection.query(root.withBegin('')) as Promise<unknown>).catch(() => undefined);
      return this.connection.query(config, callback);
    }
    return this.connection.query({ ...config, text: root.withBegin(config.text) }, (err, result) => {
      // PostgreSQL parses the whole text first: on a syntax error not even the BEGIN ran, so the
      // next statement carries it again (if the BEGIN did run, that statement fails as aborted).
      if (err) root.needsBegin = true;
      callback(err, Array.isArray(result) ? (result.length === 2 ? result[1] : result.slice(1)) : result);
    });
  }
}

/** A query `pg` sends as plain text (the simple protocol), which may hold several statements. */
function isPlainText(config: QueryConfig | string): config is QueryConfig {
  if (typeof config !== 'object') return false;
  const extended = config as QueryConfig & { submit?: unknown; name?: unknown; rows?: unknown; queryMode?: unknown };
  return !extended.values?.length && typeof extended.submit !== 'function' && !extended.name && !extended.rows && extended.queryMode !== 'extended';
}
