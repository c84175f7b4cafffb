import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/core';
import { BetterSqliteDriver } from '@mikro-orm/better-sqlite';
import { pino, type Logger } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_TABLE } from '../../../src/kernel/db/migration.runner.js';
import { eventTablesMigrations } from '../../../src/kernel/events/event-tables.migration.js';
import { createModuleDatabase, EVENT_TABLES } from '../../../src/kernel/events/module-database.factory.js';
import { ALL_MODULES } from '../../../src/runtimes/module.registry.js';

/** SQLite runs the same migrations as PostgreSQL: what development tests is what production runs. */
const dir = mkdtempSync(join(tmpdir(), 'mercato-sqlite-migrations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function recordingLogger(): { logger: Logger; lines: Array<{ msg?: string; migrations?: string[] }> } {
  const lines: Array<{ msg?: string; migrations?: string[] }> = [];
  return { logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) }), lines };
}

const applied = (lines: Array<{ msg?: string; migrations?: string[] }>) =>
  lines.filter((l) => l.msg === 'database migrations applied').flatMap((l) => l.migrations ?? []);

async function recorded(orm: MikroORM): Promise<string[]> {
  const rows: { name: string }[] = await orm.em.getConnection().execute(`select name from ${MIGRATIONS_TABLE} order by id`);
  return rows.map((r) => r.name);
}

describe('module databases on SQLite', () => {
  it.each(ALL_MODULES.map((m) => [m.name, m] as const))(
    '%s: the migrations build exactly what the entities describe, and a second start applies nothing',
    async (name, definition) => {
      const target = { kind: 'sqlite' as const, file: join(dir, `${name}.db`) };
      const own = (await definition.migrations?.()) ?? [];
      const names = [...eventTablesMigrations.map((m) => m.name), ...own.map((m) => m.name)];
      const first = recordingLogger();
      const orm = await createModuleDatabase(name, definition.entities, target, first.logger, { migrations: own });
      try {
        expect(applied(first.lines)).toEqual(names);
        expect(await orm.schema.getUpdateSchemaSQL({ wrap: false })).toBe('');
        expect(await recorded(orm)).toEqual(names);
      } finally {
        await orm.close(true);
      }
      const second = recordingLogger();
      const again = await createModuleDatabase(name, definition.entities, target, second.logger, { migrations: own });
      await again.close(true);
      expect(applied(second.lines)).toEqual([]);
    },
  );

  it('a data dir from before migrations (schema from updateSchema, no migrations table) keeps its data and is recorded as migrated', async () => {
    const definition = ALL_MODULES.find((m) => m.name === 'catalog')!;
    const file = join(dir, 'legacy-catalog.db');
    const old = await MikroORM.init({
      driver: BetterSqliteDriver,
      dbName: file,
      entities: [...definition.entities, ...EVENT_TABLES],
      allowGlobalContext: true,
      debug: false,
    });
    await old.schema.updateSchema();
    await old.em.getConnection().execute(`insert into event_inbox (event_id, type, processed_at) values ('0190a0a0-0000-7000-8000-000000000001', 'x.v1', 0)`);
    await old.close(true);

    const own = (await definition.migrations?.()) ?? [];
    const start = recordingLogger();
    const orm = await createModuleDatabase('catalog', definition.entities, { kind: 'sqlite', file }, start.logger, { migrations: own });
    try {
      expect(start.lines.some((l) => l.msg?.startsWith('database from before migrations'))).toBe(true);
      expect(applied(start.lines)).toEqual([]);
      expect(await recorded(orm)).toEqual([...eventTablesMigrations.map((m) => m.name), ...own.map((m) => m.name)]);
      expect(await orm.schema.getUpdateSchemaSQL({ wrap: false })).toBe('');
      const rows: { n: number }[] = await orm.em.getConnection().execute('select count(*) as n from event_inbox');
      expect(rows[0]!.n).toBe(1);
    } finally {
      await orm.close(true);
    }
  });

  it('refuses a module with entities and no migrations', async () => {
    const definition = ALL_MODULES.find((m) => m.name === 'catalog')!;
    await expect(createModuleDatabase('catalog', definition.entities, { kind: 'sqlite', file: ':memory:' }, pino({ level: 'silent' }))).rejects.toThrow(
      /has no migrations/,
    );
  });
});
