import { AbstractSqlDriver } from '@mikro-orm/knex';
import type { Configuration } from '@mikro-orm/core';
import { PostgreSqlConnection, PostgreSqlPlatform } from '@mikro-orm/postgresql';
import { withPooledTransactions } from './pooled.transaction.js';
import { PostgresTransaction } from './postgres.transaction.js';

/** MikroORM's PostgreSQL connection, with transactions whose BEGIN rides on their first statement. */
export class PostgresConnection extends withPooledTransactions(PostgreSqlConnection, PostgresTransaction.begin) {}

export class PostgresDriver extends AbstractSqlDriver<PostgresConnection, PostgreSqlPlatform> {
  constructor(config: Configuration) {
    super(config, new PostgreSqlPlatform(), PostgresConnection, ['knex', 'pg']);
  }
}
