import { randomBytes, randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/core';
import { PostgreSqlDriver, type EntityManager as PostgreSqlEntityManager } from '@mikro-orm/postgresql';
import { pino, type Logger } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_TABLE } from '../../../src/kernel/db/migration.runner.js';
import { createModuleOrm, databaseTargetFor, migrateModuleSchema } from '../../../src/kernel/db/module-orm.factory.js';
import { SqlEventTables } from '../../../src/kernel/events/sql.event-tables.js';
import { eventTablesMigrations } from '../../../src/kernel/events/event-tables.migration.js';
import { createModuleDatabase, EVENT_TABLES } from '../../../src/kernel/events/module-database.factory.js';
import type { ModuleDefinition } from '../../../src/kernel/module.js';
import { ALL_MODULES } from '../../../src/runtimes/module.registry.js';
import { httpClient } from '../../support/http-client.js';
import { EVENTUALLY_MS, startEventSystem } from '../../support/fixtures/event-system.js';
import { LedgerEntryMadeV1 } from '../../support/fixtures/ledger.module.js';
import { customerEmail, Shop } from '../../support/saga-helpers.js';
import { ADMIN, startTestSystem } from '../../support/test-system.js';
import { waitFor } from '../../support/wait-for.js';

/**
 * Per-module PostgreSQL schemas built by per-module migrations, on the real server
 * (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test). Every run works in
 * databases of its own (mercato_test_<random>...), dropped at the end.
 */
const SERVER_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const RUN = `mercato_test_${randomBytes(5).toString('hex')}`;
const created = new Set<string>();

/** The n-th event a test module `ledger` publishes. */
const ledgerEvent = (n: number) => ({
  specversion: '1.0' as const,
  id: randomUUID(),
  source: 'ledger',
  type: 'ledger.booked.v1',
  subject: `entry-${n}`,
  time: new Date().toISOString(),
  datacontenttype: 'application/json' as const,
  data: { n, note: "it's" },
});

function databaseUrl(suffix: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${RUN}_${suffix}`;
  created.add(`${RUN}_${suffix}`);
  return url.toString();
}

/** A connection to the server's `postgres` database, to inspect and drop ours. */
async function adminOrm(url = SERVER_URL): Promise<MikroORM> {
  return MikroORM.init({
    driver: PostgreSqlDriver,
    clientUrl: url,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    ensureDatabase: false,
    allowGlobalContext: true,
    debug: false,
    pool: { min: 0, max: 2 },
    driverOptions: { connection: { connectionTimeoutMillis: 3000 } },
  });
}

async function query<T = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const orm = await adminOrm(url);
  try {
    return await orm.em.getConnection().execute<T[]>(sql, params);
  } finally {
    await orm.close(true);
  }
}

async function reachable(): Promise<boolean> {
  try {
    const orm = await adminOrm();
    try {
      await orm.em.getConnection().execute('select 1');
      return true;
    } finally {
      await orm.close(true);
    }
  } catch {
    return false;
  }
}

/** A logger that keeps what it logs, to see which migrations a start applied. */
function recordingLogger(): { logger: Logger; applied: () => string[] } {
  const lines: Array<{ msg?: string; migrations?: string[] }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, applied: () => lines.filter((l) => l.msg === 'database migrations applied').flatMap((l) => l.migrations ?? []) };
}

async function ownMigrationNames(definition: ModuleDefinition): Promise<string[]> {
  return ((await definition.migrations?.()) ?? []).map((m) => m.name);
}

/** What a fresh schema gets: the kernel's event tables first, then the module's own migrations. */
async function migrationNames(definition: ModuleDefinition): Promise<string[]> {
  return [...eventTablesMigrations.map((m) => m.name), ...(await ownMigrationNames(definition))];
}

async function appliedIn(url: string, schema: string): Promise<string[]> {
  const rows = await query<{ name: string }>(url, `select name from "${schema}"."${MIGRATIONS_TABLE}" order by id`);
  return rows.map((r) => r.name);
}

async function tablesIn(url: string, schema: string): Promise<string[]> {
  const rows = await query<{ table_name: string }>(url, 'select table_name from information_schema.tables where table_schema = ? order by table_name', [
    schema,
  ]);
  return rows.map((r) => r.table_name);
}

const available = await reachable();
if (!available) {
  const message = `PostgreSQL is not reachable at ${SERVER_URL.replace(/\/\/[^@]*@/, '//')}: the PostgreSQL migration tests cannot run`;
  if (process.env['CI'] === 'true') {
    describe('PostgreSQL', () => {
      it('is reachable on CI', () => {
        throw new Error(message);
      });
    });
  } else {
    console.warn(
      `\n${'!'.repeat(100)}\n!!! SKIPPED: ${message}.\n!!! Start it (e.g. pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start); on CI this fails.\n${'!'.repeat(100)}\n`,
    );
  }
}

describe.skipIf(!available)('module databases on PostgreSQL', () => {
  const main = databaseUrl('main');

  afterAll(async () => {
    if (created.size === 0) return;
    const orm = await adminOrm();
    try {
      for (const db of created) await orm.em.getConnection().execute(`drop database if exists "${db}" with (force)`);
    } finally {
      await orm.close(true);
    }
  });

  it('every module ships migrations', async () => {
    for (const definition of ALL_MODULES) expect(await ownMigrationNames(definition), definition.name).not.toHaveLength(0);
  });

  it.each(ALL_MODULES.map((m) => [m.name, m] as const))(
    '%s: creates the database and its schema, applies its migrations there, and a second start applies nothing',
    async (name, definition) => {
      const target = { kind: 'postgres' as const, url: main, schema: name };
      const first = recordingLogger();
      const orm = await createModuleDatabase(name, definition.entities, target, first.logger, { migrations: (await definition.migrations?.()) ?? [] });
      try {
        expect(first.applied()).toEqual(await migrationNames(definition));
        // The migrations build exactly what the entities describe: no schema difference is left
        // (compared within the module's own schema; the other modules' schemas share this database).
        expect(await orm.schema.getUpdateSchemaSQL({ wrap: false, schema: name })).toBe('');
      } finally {
        await orm.close(true);
      }
      expect(await appliedIn(main, name)).toEqual(await migrationNames(definition));
      const tables = await tablesIn(main, name);
      expect(tables).toEqual(expect.arrayContaining(['event_dead_letter', 'event_inbox', 'event_outbox', MIGRATIONS_TABLE]));
      const own = definition.entities.map((e) => e.meta.tableName ?? e.meta.collection).filter(Boolean);
      expect(tables).toEqual(expect.arrayContaining(own));
      // Nothing of this module landed in the default schema.
      expect(await tablesIn(main, 'public')).toEqual([]);

      const second = recordingLogger();
      const again = await createModuleDatabase(name, definition.entities, target, second.logger, { migrations: (await definition.migrations?.()) ?? [] });
      try {
        expect(second.applied()).toEqual([]);
        expect(await migrateModuleSchema(again, name, [...eventTablesMigrations, ...((await definition.migrations?.()) ?? [])])).toEqual([]);
      } finally {
        await again.close(true);
      }
      expect(await appliedIn(main, name)).toEqual(await migrationNames(definition));
    },
  );

  it('two processes starting the same module at once both start, and each migration is applied once', async () => {
    const url = databaseUrl('race');
    const definition = ALL_MODULES.find((m) => m.name === 'order')!;
    const target = { kind: 'postgres' as const, url, schema: definition.name };
    const starts = [recordingLogger(), recordingLogger()];
    const migrations = (await definition.migrations?.()) ?? [];
    const orms = await Promise.all(starts.map((s) => createModuleDatabase(definition.name, definition.entities, target, s.logger, { migrations })));
    await Promise.all(orms.map((o) => o.close(true)));
    expect(starts.flatMap((s) => s.applied())).toEqual(await migrationNames(definition));
    expect(await appliedIn(url, definition.name)).toEqual(await migrationNames(definition));
  });

  it('sizes the pool as configured, and migrates even at the smallest pool allowed (2)', async () => {
    const url = databaseUrl('pool');
    const definition = ALL_MODULES.find((m) => m.name === 'inventory')!;
    const target = { kind: 'postgres' as const, url, schema: definition.name };
    const pool = { min: 0, max: 2, idleTimeoutMs: 1_000 };
    const migrations = (await definition.migrations?.()) ?? [];
    const orms = await Promise.all(
      [0, 1].map(() => createModuleDatabase(definition.name, definition.entities, target, pino({ level: 'silent' }), { migrations, pool })),
    );
    try {
      for (const orm of orms) {
        const knexPool = (
          orm.em.getConnection() as unknown as { getKnex(): { client: { pool: { min: number; max: number; idleTimeoutMillis: number } } } }
        ).getKnex().client.pool;
        expect({ min: knexPool.min, max: knexPool.max, idle: knexPool.idleTimeoutMillis }).toEqual({ min: 0, max: 2, idle: 1_000 });
      }
    } finally {
      await Promise.all(orms.map((o) => o.close(true)));
    }
    expect(await appliedIn(url, definition.name)).toEqual(await migrationNames(definition));
  });

  it('upgrades a schema the earlier initial migrations built (event tables included): only the kernel migration is recorded, nothing fails', async () => {
    const url = databaseUrl('upgrade');
    const definition = ALL_MODULES.find((m) => m.name === 'catalog')!;
    const own = (await definition.migrations?.()) ?? [];
    // What catalog's initial migration created before the kernel owned the event tables.
    const earlierEventTables = [
      `create table "catalog"."event_dead_letter" ("id" uuid not null, "event_id" uuid not null, "type" varchar(200) not null, "subject" varchar(200) not null, "envelope" jsonb not null, "reason" text not null, "attempts" int not null, "status" varchar(20) not null, "failed_at" timestamptz not null, "replayed_at" timestamptz null, constraint "event_dead_letter_pkey" primary key ("id"));`,
      `alter table "catalog"."event_dead_letter" add constraint "event_dead_letter_event_id_unique" unique ("event_id");`,
      `create index "event_dead_letter_status_index" on "catalog"."event_dead_letter" ("status");`,
      `create table "catalog"."event_inbox" ("event_id" uuid not null, "type" varchar(200) not null, "processed_at" timestamptz not null, constraint "event_inbox_pkey" primary key ("event_id"));`,
      `create table "catalog"."event_outbox" ("seq" serial primary key, "id" uuid not null, "type" varchar(200) not null, "subject" varchar(200) not null, "time" varchar(40) not null, "data" jsonb not null, "traceparent" varchar(100) null, "published_at" timestamptz null);`,
      `alter table "catalog"."event_outbox" add constraint "event_outbox_id_unique" unique ("id");`,
      `create index "event_outbox_published_at_index" on "catalog"."event_outbox" ("published_at");`,
    ];
    const earlierInitial = { ...own[0]!, postgresql: (schema: string) => [...own[0]!.postgresql(schema), ...earlierEventTables] };
    const target = { kind: 'postgres' as const, url, schema: 'catalog' };
    // Built the way an earlier version did: no kernel migration, the event tables in the module's initial one.
    const before = await createModuleOrm([...definition.entities, ...EVENT_TABLES], target, pino({ level: 'silent' }), {
      migrations: [earlierInitial],
    });
    try {
      await before.em
        .getConnection()
        .execute(
          `insert into "catalog"."event_outbox" ("id", "type", "subject", "time", "data") values (gen_random_uuid(), 'x.v1', 's', '2026-01-01T00:00:00Z', '{}')`,
        );
    } finally {
      await before.close(true);
    }
    expect(await appliedIn(url, 'catalog')).toEqual(own.map((m) => m.name));

    const upgrade = recordingLogger();
    const orm = await createModuleDatabase('catalog', definition.entities, target, upgrade.logger, { migrations: own });
    try {
      expect(upgrade.applied()).toEqual(eventTablesMigrations.map((m) => m.name));
      expect(await orm.schema.getUpdateSchemaSQL({ wrap: false, schema: 'catalog' })).toBe('');
      const rows = await orm.em.getConnection().execute('select count(*)::int as n from "catalog"."event_outbox"');
      expect(rows[0].n).toBe(1);
    } finally {
      await orm.close(true);
    }
    expect(await appliedIn(url, 'catalog')).toEqual([...own.map((m) => m.name), ...eventTablesMigrations.map((m) => m.name)]);
  });

  it('refuses PostgreSQL for a module without migrations', async () => {
    const definition = ALL_MODULES.find((m) => m.name === 'catalog')!;
    await expect(
      createModuleDatabase('catalog', definition.entities, { kind: 'postgres', url: main, schema: 'catalog' }, pino({ level: 'silent' })),
    ).rejects.toThrow(/has no migrations/);
  });

  it('event tables: a batch claims each event once, a claim waits for an uncommitted one and finds it taken, the outbox reads back in order and is marked and pruned', async () => {
    const orm = await createModuleDatabase('ledger', [], { kind: 'postgres', url: databaseUrl('tables'), schema: 'ledger' }, pino({ level: 'silent' }));
    const tables = new SqlEventTables(orm);
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    try {
      await orm.em.transactional((em) => tables.claimInbox(em, b, 'ledger.booked.v1'));
      const claimed = await orm.em.transactional((em) =>
        tables.claimInboxMany(em, [
          { id: a, type: 'ledger.booked.v1' },
          { id: b, type: 'ledger.booked.v1' },
          { id: a, type: 'ledger.booked.v1' },
        ]),
      );
      expect(claimed).toEqual([true, false, false]);

      // Two replicas handle the same event at once: the second's claim waits for the first transaction and is refused.
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const first = orm.em.transactional(async (em) => {
        const won = await tables.claimInbox(em, c, 'ledger.booked.v1');
        await held;
        return won;
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const second = orm.em.transactional((em) => tables.claimInbox(em, c, 'ledger.booked.v1'));
      await new Promise((resolve) => setTimeout(resolve, 200));
      release();
      expect([await first, await second]).toEqual([true, false]);

      const events = [1, 2, 3].map((n) => ({ ...ledgerEvent(n), traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` }));
      await orm.em.transactional((em) => tables.appendOutbox(em, events));
      const rows = await tables.unpublished(0, 10);
      expect(rows.map((r) => [r.id, r.subject, r.data, r.traceparent])).toEqual(events.map((e) => [e.id, e.subject, e.data, e.traceparent]));
      expect(rows.map((r) => r.seq)).toEqual([...rows.map((r) => r.seq)].sort((x, y) => x - y));
      await tables.markPublished([rows[0]!.seq]);
      expect((await tables.unpublished(0, 10)).map((r) => r.id)).toEqual([events[1]!.id, events[2]!.id]);
      expect((await tables.unpublished(rows[1]!.seq, 10)).map((r) => r.id)).toEqual([events[2]!.id]);

      const later = new Date(Date.now() + 60_000);
      expect(await tables.prune(later, later)).toEqual({ outbox: 1, inbox: 3 });
      expect(await tables.unpublished(0, 10)).toHaveLength(2);
    } finally {
      await orm.close(true);
    }
  });

  it('relay batches: two replicas relay one batch at a time and send no row twice; a failed send leaves its rows and the lock', async () => {
    const open = () => createModuleDatabase('ledger', [], { kind: 'postgres', url: databaseUrl('relay'), schema: 'ledger' }, pino({ level: 'silent' }));
    const [orm, other] = [await open(), await open()];
    const [tables, replica] = [new SqlEventTables(orm), new SqlEventTables(other)];
    try {
      const events = [1, 2, 3, 4, 5].map(ledgerEvent);
      await orm.em.transactional((em) => tables.appendOutbox(em, events));

      await expect(tables.relayBatch(2, 'outbox:ledger', async () => Promise.reject(new Error('broker away')))).rejects.toThrow('broker away');
      expect(await tables.unpublished(0, 10)).toHaveLength(5);

      const sent: string[][] = [];
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const first = tables.relayBatch(3, 'outbox:ledger', async (rows) => {
        await held;
        sent.push(rows.map((r) => r.id));
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      // The other replica waits for the lock, then reads only what the first left unmarked.
      const second = replica.relayBatch(3, 'outbox:ledger', async (rows) => {
        sent.push(rows.map((r) => r.id));
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(sent).toEqual([]);
      release();
      expect([await first, await second]).toEqual([3, 2]);
      expect(sent).toEqual([events.slice(0, 3).map((e) => e.id), events.slice(3).map((e) => e.id)]);
      expect(await tables.unpublished(0, 10)).toEqual([]);
      expect(await replica.relayBatch(3, 'outbox:ledger', async () => Promise.reject(new Error('nothing to send')))).toBe(0);
    } finally {
      await Promise.all([orm.close(true), other.close(true)]);
    }
  });

  it('in one process, an event whose transaction commits after a later-numbered one is relayed too', { timeout: 60_000 }, async () => {
    const url = databaseUrl('late_commit');
    const sys = await startEventSystem({ env: { DATABASE_URL: url } });
    const other = await adminOrm(url);
    try {
      // An outbox row numbered before the next ones whose transaction commits after them. The unit
      // of work's insert rides with its COMMIT, so this window is short, but concurrent commits can
      // finish in either order: the relay must not take the highest number it saw as a horizon.
      const late = other.em.fork() as unknown as PostgreSqlEntityManager;
      await late.begin();
      const data = { entryId: randomUUID(), account: 'acc-late', number: 1, amount: 5 };
      await late.execute('insert into "ledger"."event_outbox" (id, type, subject, time, data) values (?, ?, ?, ?, ?)', [
        randomUUID(),
        LedgerEntryMadeV1.type,
        'acc-late',
        new Date().toISOString(),
        JSON.stringify(data),
      ]);
      await sys.ledger.makeEntry('acc-early', 1);
      await waitFor(() => sys.tally.seenFor('acc-early').length === 1, EVENTUALLY_MS, 'the later-numbered event handled');
      await late.commit();
      await sys.ledger.makeEntry('acc-early', 2);

      await waitFor(() => sys.tally.seenFor('acc-late').length === 1, 15_000, 'the late-committed event handled');
      await sys.settled();
      expect(sys.tally.seenFor('acc-late')).toEqual([1]);
      expect(sys.tally.seenFor('acc-early')).toEqual([1, 2]);
      const outbox = await sys.outbox();
      // The case this test is about: the late row is numbered below the rows relayed before it committed.
      expect(outbox.find((row) => row.subject === 'acc-late')!.seq).toBeLessThan(outbox.find((row) => row.subject === 'acc-early')!.seq);
      expect(outbox.filter((row) => row.publishedAt === null)).toEqual([]);
    } finally {
      await other.close(true);
      await sys.stop();
    }
  });

  it('revoking a sign-in also revokes the token a refresh in progress issues meanwhile', { timeout: 60_000 }, async () => {
    const url = databaseUrl('revoke_race');
    const sys = await startTestSystem({ env: { DATABASE_URL: url } });
    const other = await adminOrm(url);
    try {
      const http = httpClient(sys.url);
      const email = customerEmail('revoke-race');
      expect((await http.post('/api/v1/users', { email, password: 'customer-password-1', name: 'Race' })).status).toBe(201);
      const signIn = await http.post('/api/v1/auth/token', { email, password: 'customer-password-1' });
      expect(signIn.status).toBe(200);
      const [token] = await query<{ id: string }>(url, 'select id from "user"."refresh_token" where revoked_at is null and used_at is null');

      // A refresh in progress: it has taken its token (the row is locked) and not committed yet.
      const refresh = other.em.fork() as unknown as PostgreSqlEntityManager;
      await refresh.begin();
      await refresh.execute('update "user"."refresh_token" set used_at = now() where id = ?', [token!.id]);
      // The revocation waits for that lock...
      const revoked = http.post('/api/v1/auth/revoke', { token: signIn.body.refresh_token });
      await waitFor(
        async () => (await query(url, "select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'")).length > 0,
        10_000,
        'the revocation to wait for the refresh',
      );
      // ...while the refresh issues the next token of the sign-in and commits.
      await refresh.execute(
        'insert into "user"."refresh_token" (id, token_hash, family_id, user_id, expires_at, created_at) ' +
          'select ?, md5(random()::text) || md5(random()::text), family_id, user_id, expires_at, now() from "user"."refresh_token" where id = ?',
        [randomUUID(), token!.id],
      );
      await refresh.commit();
      expect((await revoked).status).toBe(200);

      expect(await query(url, 'select id from "user"."refresh_token" where revoked_at is null')).toEqual([]);
    } finally {
      await other.close(true);
      await sys.stop();
    }
  });

  it('the whole system runs on PostgreSQL (DATABASE_URL): a product is created and read back, an order confirmed and read back', {
    timeout: 60_000,
  }, async () => {
    const url = databaseUrl('system');
    const sys = await startTestSystem({ env: { DATABASE_URL: url } });
    try {
      const http = httpClient(sys.url);
      const admin = await http.token(ADMIN.email, ADMIN.password);
      const created = await http.post('/api/v1/products', { sku: 'pg-mug-1', name: 'Mug', price: { amount: 1299, currency: 'EUR' } }, { token: admin });
      expect(created.status).toBe(201);
      const read = await http.get(`/api/v1/products/${created.body.id}`);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(created.body);

      // The saga's statements (order, stock, reservation, payment) as PostgreSQL types and returns them.
      const shop = new Shop(sys.system, http, admin);
      await shop.quiesce();
      await shop.restock('PG-MUG-1', 3);
      const customer = await http.signUp(customerEmail('pg'));
      const placed = await shop.placeOrder(customer.token, [{ productId: created.body.id, quantity: 2 }]);
      const settled = await shop.settled(customer.token, placed.id);
      expect(settled).toMatchObject({ id: placed.id, status: 'confirmed', total: { amount: 2598, currency: 'EUR' }, createdAt: placed.createdAt });
      expect(Date.parse(settled.updatedAt)).toBeGreaterThanOrEqual(Date.parse(placed.createdAt));
      expect(await shop.stock('PG-MUG-1')).toEqual({ available: 1, reserved: 0, sold: 2 });
      expect((await shop.payments(placed.id)).map((p) => p.status)).toEqual(['captured']);
    } finally {
      await sys.stop();
    }
    for (const definition of ALL_MODULES) expect(await appliedIn(url, definition.name), definition.name).toEqual(await migrationNames(definition));
    expect(await query(url, 'select sku from "catalog"."product"')).toEqual([{ sku: 'PG-MUG-1' }]);
  });

  it('DATABASE_URL_CATALOG puts catalog in a database of its own, next to the others in DATABASE_URL', { timeout: 60_000 }, async () => {
    const catalogUrl = databaseUrl('catalog');
    expect(databaseTargetFor('catalog', { dataDir: 'unused', inMemory: false, url: main, urls: { catalog: catalogUrl } })).toEqual({
      kind: 'postgres',
      url: catalogUrl,
      schema: 'catalog',
    });
    const sys = await startTestSystem({ env: { DATABASE_URL: main, DATABASE_URL_CATALOG: catalogUrl } });
    try {
      const http = httpClient(sys.url);
      const admin = await http.token(ADMIN.email, ADMIN.password);
      const created = await http.post('/api/v1/products', { sku: 'pg-own-db-1', name: 'Plate', price: { amount: 850, currency: 'EUR' } }, { token: admin });
      expect(created.status).toBe(201);
      expect((await http.get(`/api/v1/products/${created.body.id}`)).body).toEqual(created.body);
    } finally {
      await sys.stop();
    }
    const catalog = ALL_MODULES.find((m) => m.name === 'catalog')!;
    expect(await appliedIn(catalogUrl, 'catalog')).toEqual(await migrationNames(catalog));
    expect(await query(catalogUrl, 'select sku from "catalog"."product"')).toEqual([{ sku: 'PG-OWN-DB-1' }]);
    // The catalog schema of the shared database (migrated earlier) did not get the product.
    expect(await query(main, 'select sku from "catalog"."product"')).toEqual([]);
    // Only catalog lives in its own database.
    const schemas = await query<{ schema_name: string }>(
      catalogUrl,
      "select schema_name from information_schema.schemata where schema_name not like 'pg_%' and schema_name not in ('information_schema', 'public')",
    );
    expect(schemas.map((s) => s.schema_name)).toEqual(['catalog']);
  });
});
