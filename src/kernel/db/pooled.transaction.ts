import type { Knex } from '@mikro-orm/knex';
import { type AbstractSqlConnection, EventType } from '@mikro-orm/knex';

/** knex's client with its pool, as a transaction takes and returns a connection. */
export type KnexClient = Knex.Client & { releaseConnection(connection: unknown): Promise<void> };

/** knex's pool destroys a connection marked so instead of lending it again. */
export type Disposable = { __knex__disposed?: unknown };

/**
 * A transaction on one connection of a module's pool, run with plain BEGIN/COMMIT/ROLLBACK on it.
 * knex builds a whole knex instance per transaction (a hundred properties redefined: 8 % of the
 * Kafka bench's CPU) to answer the few things the ORM asks of one: a `client` that hands queries
 * this connection (what knex's `transacting` takes), and commit and rollback. Nested transactions
 * are savepoints on the same connection, one open at a time per transaction. Each database says
 * how a control statement runs and what the ORM's queries run on.
 */
export abstract class PooledTransaction<C extends object = object> {
  /** Read by knex's `transacting` and by every query built on it: they run on this transaction's connection. */
  readonly client: KnexClient;
  private completed = false;
  private child: PooledTransaction<C> | undefined;
  /** Savepoints begun so far under the outermost transaction: each gets a name of its own. */
  private savepoints = 0;

  protected constructor(
    protected readonly pool: KnexClient,
    protected readonly connection: C & Disposable,
    protected readonly parent: PooledTransaction<C> | undefined,
    /** The savepoint's name; undefined for the outermost transaction. */
    readonly savepointName: string | undefined,
  ) {
    this.client = Object.assign(Object.create(pool) as KnexClient, {
      transacting: true,
      acquireConnection: async () => this.queryConnection(),
      // The connection goes back to the pool when the outermost transaction ends, not per query.
      releaseConnection: async () => {},
    });
  }

  /** Runs a control statement (SAVEPOINT, RELEASE, COMMIT, ROLLBACK …) on the connection. */
  protected abstract control(sql: string): void | Promise<void>;
  /** What the ORM's queries in this transaction run on. */
  protected abstract queryConnection(): object;
  /** A transaction nested in this one, under the savepoint `name` (already taken). */
  protected abstract nested(name: string): PooledTransaction<C>;
  /** After a failed COMMIT (or RELEASE) or ROLLBACK: whether the database may still have the transaction open. */
  protected abstract stillOpen(after: 'commit' | 'rollback'): boolean;

  get isRoot(): boolean {
    return this.parent === undefined;
  }

  isCompleted(): boolean {
    return this.completed || (this.parent?.isCompleted() ?? false);
  }

  /** A transaction nested in this one. */
  async savepoint(): Promise<PooledTransaction<C>> {
    this.open();
    if (this.child && !this.child.completed) throw new Error('a nested transaction is already open in this transaction');
    const root = this.root();
    root.savepoints += 1;
    const name = `trx${root.savepoints}`;
    await this.control(`SAVEPOINT ${name}`);
    this.child = this.nested(name);
    return this.child;
  }

  async commit(): Promise<void> {
    this.open();
    try {
      await this.control(this.savepointName ? `RELEASE SAVEPOINT ${this.savepointName}` : 'COMMIT');
    } catch (err) {
      // Still open (a busy SQLite file, say): the caller rolls it back, which ends it.
      if (!this.stillOpen('commit')) this.end();
      throw err;
    }
    this.end();
  }

  async rollback(): Promise<void> {
    // Ended already (committed, or its outer transaction ended): the connection may be another's now.
    if (this.isCompleted()) return;
    try {
      await this.control(this.savepointName ? `ROLLBACK TO SAVEPOINT ${this.savepointName}; RELEASE SAVEPOINT ${this.savepointName}` : 'ROLLBACK');
    } catch (err) {
      if (this.isRoot && this.stillOpen('rollback')) this.connection.__knex__disposed = err;
      throw err;
    } finally {
      this.end();
    }
  }

  /** The connection, while this transaction and the ones around it last. */
  protected open(): C {
    if (this.isCompleted()) throw new Error('the transaction has already ended');
    return this.connection;
  }

  protected root(): PooledTransaction<C> {
    return this.parent ? this.parent.root() : this;
  }

  private end(): void {
    this.completed = true;
    if (this.isRoot) void this.pool.releaseConnection(this.connection);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: TypeScript takes a mixin's base only with a constructor of `...args: any[]`.
type ConnectionClass = abstract new (...args: any[]) => AbstractSqlConnection;

/**
 * A connection class whose transactions are `start`'s instead of knex's: the ORM's begin, commit
 * and rollback, with its transaction events and query log as the base class has them.
 */
export function withPooledTransactions<T extends ConnectionClass>(Base: T, start: (pool: KnexClient) => Promise<PooledTransaction>) {
  abstract class PooledTransactionConnection extends Base {
    override async begin(options: Parameters<AbstractSqlConnection['begin']>[0] = {}): Promise<Knex.Transaction> {
      const outer = options.ctx as unknown;
      if (outer instanceof PooledTransaction) {
        const nested = await outer.savepoint();
        this.logQuery(this.platform.getSavepointSQL(nested.savepointName!), options.loggerContext);
        return nested as unknown as Knex.Transaction;
      }
      // Another kind of outer transaction, or options only knex's transaction knows.
      if (outer !== undefined || options.isolationLevel || options.readOnly) return super.begin(options);
      await options.eventBroadcaster?.dispatchEvent(EventType.beforeTransactionStart);
      const trx = (await start(this.getKnex().client as KnexClient)) as unknown as Knex.Transaction;
      this.logQuery('begin', options.loggerContext);
      await options.eventBroadcaster?.dispatchEvent(EventType.afterTransactionStart, trx);
      return trx;
    }

    override async commit(...[ctx, eventBroadcaster, loggerContext]: Parameters<AbstractSqlConnection['commit']>): Promise<void> {
      const trx = ctx as unknown;
      if (!(trx instanceof PooledTransaction)) return super.commit(ctx, eventBroadcaster, loggerContext);
      if (trx.isRoot) await eventBroadcaster?.dispatchEvent(EventType.beforeTransactionCommit, ctx);
      await trx.commit();
      this.logQuery(trx.savepointName ? this.platform.getReleaseSavepointSQL(trx.savepointName) : this.platform.getCommitTransactionSQL(), loggerContext);
      if (trx.isRoot) await eventBroadcaster?.dispatchEvent(EventType.afterTransactionCommit, ctx);
    }

    override async rollback(...[ctx, eventBroadcaster, loggerContext]: Parameters<AbstractSqlConnection['rollback']>): Promise<void> {
      const trx = ctx as unknown;
      if (!(trx instanceof PooledTransaction)) return super.rollback(ctx, eventBroadcaster, loggerContext);
      if (trx.isRoot) await eventBroadcaster?.dispatchEvent(EventType.beforeTransactionRollback, ctx);
      await trx.rollback();
      this.logQuery(trx.savepointName ? this.platform.getRollbackToSavepointSQL(trx.savepointName) : this.platform.getRollbackTransactionSQL(), loggerContext);
      if (trx.isRoot) await eventBroadcaster?.dispatchEvent(EventType.afterTransactionRollback, ctx);
    }
  }
  return PooledTransactionConnection;
}
