import type { MikroORM } from '@mikro-orm/core';
import { isPostgres } from '../db/module-orm.factory.js';
import type { EventTables } from './event-tables.port.js';
import { OrmEventTables } from './orm.event-tables.js';
import { SqliteEventTables } from './sqlite.event-tables.js';

export function eventTablesFor(orm: MikroORM): EventTables {
  return isPostgres(orm) ? new OrmEventTables(orm) : new SqliteEventTables(orm);
}
