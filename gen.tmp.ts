import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/core';
import { BetterSqliteDriver } from '@mikro-orm/better-sqlite';
import { EVENT_TABLES } from './src/kernel/events/module-database.factory.js';
import { ALL_MODULES } from './src/runtimes/module.registry.js';
import { LedgerEntrySchema } from './test/support/fixtures/ledger.module.js';
import { TallyRowSchema } from './test/support/fixtures/tally.module.js';

async function sqlite(entities: any[]) {
  const orm = await MikroORM.init({ driver: BetterSqliteDriver, dbName: ':memory:', entities, discovery: { warnWhenNoEntities: false }, debug: false, allowGlobalContext: true });
  const sql = await orm.schema.getCreateSchemaSQL({ wrap: false });
  await orm.close(true);
  return sql;
}
console.log('== events'); console.log(await sqlite(EVENT_TABLES));
for (const m of ALL_MODULES) { console.log('== ' + m.name); console.log(await sqlite([...m.entities])); }
console.log('== ledger'); console.log(await sqlite([LedgerEntrySchema]));
console.log('== tally'); console.log(await sqlite([TallyRowSchema]));
