import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { MikroORM, type EntitySchema, type Options } from '@mikro-orm/core';
import { LibSqlDriver } from '@mikro-orm/libsql';
import type { Logger } from 'pino';
import { DeadLetterSchema } from '../events/dead-letter.entity.js';
import { InboxRecordSchema } from '../events/inbox.entity.js';
import { OutboxRecordSchema } from '../events/outbox.entity.js';

/** Where one module keeps its data. */
export type DatabaseTarget = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema: string };

export interface DatabaseSettings {
  dataDir: string;
  inMemory: boolean;
  url?: string;
  urls: Record<string, string>;
}

/** Each module gets its own database: a SQLite file by default, PostgreSQL when a URL is set. */
export function databaseTargetFor(module: string, settings: DatabaseSettings): DatabaseTarget {
  const url = settings.urls[module] ?? settings.url;
  if (url) return { kind: 'postgres', url, schema: module };
  return { kind: 'sqlite', file: settings.inMemory ? ':memory:' : join(settings.dataDir, `${module}.db`) };
}

/** Tables every module has for the bus: its outbox, its inbox and its dead letters. */
const EVENT_TABLES = [OutboxRecordSchema, InboxRecordSchema, DeadLetterSchema];

export async function createModuleOrm(
  module: string,
  entities: readonly EntitySchema<any, any>[],
  target: DatabaseTarget,
  logger: Logger,
): Promise<MikroORM> {
  const common: Options = {
    entities: [...entities, ...EVENT_TABLES],
    allowGlobalContext: false,
    discovery: { warnWhenNoEntities: false },
    logger: (message) => logger.debug({ module }, message),
    debug: false,
  };
  if (target.kind === 'postgres') {
    const { PostgreSqlDriver } = await import('@mikro-orm/postgresql');
    const orm = await MikroORM.init({ ...common, driver: PostgreSqlDriver, clientUrl: target.url, schema: target.schema });
    await orm.schema.ensureDatabase();
    await orm.em.getConnection().execute(`create schema if not exists "${target.schema}"`);
    await orm.schema.updateSchema({ schema: target.schema });
    return orm;
  }
  if (target.file !== ':memory:') mkdirSync(join(target.file, '..'), { recursive: true });
  const orm = await MikroORM.init({ ...common, driver: LibSqlDriver, dbName: target.file });
  await orm.em.getConnection().execute('pragma journal_mode = wal');
  await orm.schema.updateSchema();
  return orm;
}
