import type { EntitySchema, MikroORM } from '@mikro-orm/core';
import { createModuleOrm, type DatabaseTarget, type ModuleOrmOptions } from '../db/module-orm.factory.js';
import type { Logger } from '../observability/logger.factory.js';
import { DeadLetterSchema } from './dead-letter.entity.js';
import { InboxRecordSchema } from './inbox.entity.js';
import { OutboxRecordSchema } from './outbox.entity.js';

/** Tables every module has for the bus: its outbox, its inbox and its dead letters. */
export const EVENT_TABLES = [OutboxRecordSchema, InboxRecordSchema, DeadLetterSchema];

/** A module's database with the bus's tables beside its own (db knows nothing of events; this layer adds them). */
export function createModuleDatabase(
  module: string,
  entities: readonly EntitySchema<any, any>[],
  target: DatabaseTarget,
  logger: Logger,
  options: ModuleOrmOptions = {},
): Promise<MikroORM> {
  return createModuleOrm(module, [...entities, ...EVENT_TABLES], target, logger, options);
}
