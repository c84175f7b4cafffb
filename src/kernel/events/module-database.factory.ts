import type { MikroORM } from '@mikro-orm/core';
import type { AnyEntitySchema } from '../db/entity-schema.js';
import { createModuleOrm, type DatabaseTarget, type ModuleOrmOptions } from '../db/module-orm.factory.js';
import type { Logger } from '../observability/logger.factory.js';
import { DeadLetterSchema } from './dead-letter.entity.js';
import { InboxRecordSchema } from './inbox.entity.js';
import { eventTablesMigrations } from './event-tables.migration.js';
import { OutboxRecordSchema } from './outbox.entity.js';

/** Tables every module has for the bus: its outbox, its inbox and its dead letters. */
export const EVENT_TABLES = [OutboxRecordSchema, InboxRecordSchema, DeadLetterSchema];

/**
 * A module's database with the bus's tables beside its own (db knows nothing of events; this layer
 * adds them): their entities, and their migration before the module's own (`options.migrations`).
 */
export async function createModuleDatabase(
  module: string,
  entities: readonly AnyEntitySchema[],
  target: DatabaseTarget,
  logger: Logger,
  options: ModuleOrmOptions = {},
): Promise<MikroORM> {
  const own = options.migrations ?? [];
  if (own.length === 0 && entities.length > 0) {
    throw new Error(`module "${module}" has no migrations: its schema is only built by migrations (add one with scripts/create-migration.ts)`);
  }
  return createModuleOrm([...entities, ...EVENT_TABLES], target, logger, { ...options, migrations: [...eventTablesMigrations, ...own] });
}
