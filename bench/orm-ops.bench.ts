/**
 * What one database operation costs this process, by the way it is made: the ORM's entity
 * operations (as the modules' handlers and queries make them), a plain SQL text through the ORM's
 * connection, and a statement prepared once on the connection (as the kernel's outbox and inbox
 * are written on SQLite), on the order module's own schema and migrations. It answers where an
 * order's CPU goes once the saga is lean: an order makes about 16 entity operations in 5
 * transactions (see bench/README.md).
 *
 *   npm run bench:orm                     # SQLite file in a temporary directory
 *   npm run bench:orm -- --db postgres    # a database of this run on BENCH_POSTGRES_URL, dropped after
 *   npm run bench:orm -- --ops 20000
 *
 * Each line is CPU (user + system, all threads) per operation over `--ops` operations after a
 * warm-up, and its ratio to the baseline of the same run: the prepared statement on SQLite, the
 * plain SQL text on PostgreSQL (where no statement is kept prepared).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EntityManager, MikroORM } from '@mikro-orm/core';
import pino from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { quoteIdent } from '../src/kernel/db/migration.runner.js';
import { connectToServer } from '../src/kernel/db/module-orm.factory.js';
import { createModuleDatabase } from '../src/kernel/events/module-database.factory.js';
import type { Order } from '../src/modules/order/domain/order.js';
import { KnownProductSchema } from '../src/modules/order/infrastructure/known-product.schema.js';
import { migrations } from '../src/modules/order/infrastructure/migrations/index.js';
import { OrderSchema } from '../src/modules/order/infrastructure/order.schema.js';
import { intOption } from './bench.kit.js';

const OPS = intOption('ops', 'BENCH_ORM_OPS', 10_000, 100, 1_000_000);
const ROWS = 2_000;
const WARM_UP = 500;
const DB = process.argv.includes('postgres') || process.env['BENCH_ORM_DB'] === 'postgres' ? 'postgres' : 'sqlite';
const POSTGRES = process.env['BENCH_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface SqlitePool {
  acquireConnection(): Promise<{ prepare(sql: string): { get(...params: unknown[]): unknown } }>;
  releaseConnection(connection: unknown): Promise<void>;
}

interface Case {
  name: string;
  run(i: number): Promise<unknown>;
}

function order(): Order {
  const now = new Date();
  return {
    id: uuidv7(),
    userId: uuidv7(),
    status: 'pending',
    items: [{ productId: uuidv7(), sku: 'BENCH-1', quantity: 1, unitPrice: { amount: 1250, currency: 'EUR' } }],
    total: { amount: 1250, currency: 'EUR' },
    paymentMethod: 'pm_card_visa',
    cancelReason: null,
    idempotencyKey: null,
    requestHash: null,
    createdAt: now,
    updatedAt: now,
  };
}

/** CPU microseconds per call of `run`, after a warm-up. */
async function measure(run: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < WARM_UP; i++) await run(i);
  const before = process.cpuUsage();
  for (let i = 0; i < OPS; i++) await run(i);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / OPS;
}

async function open(): Promise<{ orm: MikroORM; table: string; cleanUp(): Promise<void> }> {
  const logger = pino({ level: 'silent' });
  const entities = [OrderSchema, KnownProductSchema];
  if (DB === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'mercato-bench-orm-'));
    const orm = await createModuleDatabase('order', entities, { kind: 'sqlite', file: join(dir, 'order.db') }, logger, { migrations });
    return { orm, table: 'customer_order', cleanUp: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const dbName = `mercato_bench_orm_${randomBytes(4).toString('hex')}`;
  const url = new URL(POSTGRES);
  url.pathname = `/${dbName}`;
  const orm = await createModuleDatabase('order', entities, { kind: 'postgres', url: url.toString(), schema: 'order' }, logger, { migrations });
  return {
    orm,
    table: `"order"."customer_order"`,
    cleanUp: async () => {
      await orm.close(true);
      const admin = await connectToServer(POSTGRES);
      await admin.em.getConnection().execute(`drop database if exists ${quoteIdent(dbName)}`);
      await admin.close(true);
    },
  };
}

async function main(): Promise<void> {
  const { orm, table, cleanUp } = await open();
  const ids: string[] = [];
  await orm.em.fork().transactional(async (em) => {
    for (let i = 0; i < ROWS; i++) {
      const row = order();
      ids.push(row.id);
      em.create(OrderSchema, row);
    }
  });
  const id = (i: number) => ids[i % ROWS]!;
  const inTransaction = <T>(work: (em: EntityManager) => Promise<T>) => orm.em.transactional(work);
  const select = `select id, status, items, total from ${table} where id = ?`;

  const cases: Case[] = [];
  if (DB === 'sqlite') {
    // The connection's own statement, prepared once: what the kernel's event tables use.
    // Taken from the pool and given back at once: the statement stays valid, and nothing else runs meanwhile.
    const { client } = (orm.em.getConnection() as unknown as { getKnex(): { client: SqlitePool } }).getKnex();
    const connection = await client.acquireConnection();
    const statement = connection.prepare(select);
    await client.releaseConnection(connection);
    cases.push({ name: 'prepared statement: select by id', run: async (i) => statement.get(id(i)) });
  }
  cases.push(
    { name: 'plain SQL through the ORM connection: select by id', run: (i) => orm.em.getConnection().execute(select, [id(i)]) },
    { name: 'em.fork().findOne(Order, { id })', run: (i) => orm.em.fork().findOne(OrderSchema, { id: id(i) }) },
    { name: 'em.transactional(nothing)', run: () => inTransaction(async () => undefined) },
    {
      name: 'em.transactional(plain SQL update)',
      run: (i) =>
        inTransaction((em) =>
          em
            .getConnection()
            .execute(`update ${table} set status = ? where id = ?`, [i % 2 ? 'pending' : 'confirmed', id(i)], 'run', em.getTransactionContext()),
        ),
    },
    {
      name: 'em.transactional(nativeUpdate)',
      run: (i) => inTransaction((em) => em.nativeUpdate(OrderSchema, { id: id(i) }, { status: i % 2 ? 'pending' : 'confirmed', updatedAt: new Date() })),
    },
    {
      name: 'em.transactional(findOne, change, flush)',
      run: (i) =>
        inTransaction(async (em) => {
          const found = await em.findOne(OrderSchema, { id: id(i) });
          found!.status = found!.status === 'pending' ? 'confirmed' : 'pending';
          found!.updatedAt = new Date();
        }),
    },
    { name: 'em.transactional(create, flush)', run: () => inTransaction(async (em) => void em.create(OrderSchema, order())) },
  );

  console.log(
    `bench:orm on ${DB}: ${OPS} operations per line after ${WARM_UP} of warm-up, ${ROWS} orders in the table (load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')})`,
  );
  let baseline: number | undefined;
  for (const c of cases) {
    const us = await measure(c.run);
    baseline ??= us;
    console.log(`  ${c.name.padEnd(54)} ${us.toFixed(1).padStart(8)} µs CPU   ${(us / baseline).toFixed(1).padStart(6)}x`);
  }
  if (DB === 'sqlite') await orm.close(true);
  await cleanUp();
}

await main();
