import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import { pino } from 'pino';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectToServer, type DatabaseTarget } from '../../../src/kernel/db/module-orm.factory.js';
import { inNewTransaction } from '../../../src/kernel/db/new.transaction.js';
import { changeRows, changeRowsAtCommit, selectRows, tableOf } from '../../../src/kernel/db/plain-sql.js';
import { OutboxRecordSchema } from '../../../src/kernel/events/outbox.entity.js';
import { createModuleDatabase } from '../../../src/kernel/events/module-database.factory.js';

/**
 * Transactions run as plain BEGIN/COMMIT/ROLLBACK on a pooled connection, not through knex's
 * transaction (on PostgreSQL the BEGIN goes with the first statement): what the ORM does inside
 * one (unit-of-work flushes, queries it builds, raw SQL) and plain statements must all land in it,
 * and commit or roll back together. The same cases on SQLite and on the real PostgreSQL server
 * (TEST_DATABASE_URL), in a database of this run, dropped at the end.
 */
const dir = mkdtempSync(join(tmpdir(), 'mercato-pooled-trx-'));
const SERVER_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const DATABASE = `mercato_test_trx_${randomBytes(5).toString('hex')}`;
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  const admin = await connectToServer(SERVER_URL);
  try {
    await admin.em.getConnection().execute(`drop database if exists "${DATABASE}" with (force)`);
  } finally {
    await admin.close(true);
  }
});

const record = (id: string) => ({ id, type: 'ledger.booked.v1', subject: 's', time: 't', data: { id } });

describe.each([
  ['SQLite', (): DatabaseTarget => ({ kind: 'sqlite', file: join(dir, `${randomUUID()}.db`) })],
  [
    'PostgreSQL',
    (): DatabaseTarget => {
      const url = new URL(SERVER_URL);
      url.pathname = `/${DATABASE}`;
      return { kind: 'postgres', url: url.toString(), schema: `ledger_${randomBytes(4).toString('hex')}` };
    },
  ],
] as const)('a transaction on %s', (_, target) => {
  let orm: MikroORM;
  const outbox = () => tableOf(orm.em, OutboxRecordSchema);
  const ids = async () => (await selectRows<{ id: string }>(orm.em, `select id from ${outbox()} order by seq`, [])).map((r) => r.id);

  beforeEach(async () => {
    orm = await createModuleDatabase('ledger', [], target(), pino({ level: 'silent' }));
  });
  afterEach(() => orm.close(true));

  it('commits the ORM’s flushes, its queries and plain statements together', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    await orm.em.transactional(async (em) => {
      em.create(OutboxRecordSchema, record(a));
      await em.flush();
      await changeRows(em, `insert into ${outbox()} (id, type, subject, time, data) values (?, ?, ?, ?, ?)`, [b, 't', 's', 't', '{}']);
      // Built by the ORM, run through knex on the transaction's connection: sees both uncommitted rows.
      expect(await em.count(OutboxRecordSchema, {})).toBe(2);
      expect(await em.getConnection().execute(`select cast(count(*) as integer) as n from ${outbox()}`, [], 'all', em.getTransactionContext())).toEqual([
        { n: 2 },
      ]);
    });
    expect(await ids()).toEqual([a, b]);
  });

  it('inNewTransaction: writes what the work left to the ORM (not flushed by it) with its plain statements, at commit', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const returned = await inNewTransaction(orm.em, async (em) => {
      await changeRows(em, `insert into ${outbox()} (id, type, subject, time, data) values (?, ?, ?, ?, ?)`, [a, 't', 's', 't', '{}']);
      em.create(OutboxRecordSchema, record(b));
      // Inside, uncommitted: another reader of the database sees neither yet.
      expect(await ids()).toEqual([]);
      return 'done';
    });
    expect(returned).toBe('done');
    expect(await ids()).toEqual([a, b]);
  });

  it('inNewTransaction: a failure rolls back the ORM’s changes and the plain statements, and the connection serves the next one', async () => {
    await expect(
      inNewTransaction(orm.em, async (em) => {
        em.create(OutboxRecordSchema, record(randomUUID()));
        await em.flush();
        await changeRows(em, `insert into ${outbox()} (id, type, subject, time, data) values (?, ?, ?, ?, ?)`, [randomUUID(), 't', 's', 't', '{}']);
        throw new Error('the handler failed');
      }),
    ).rejects.toThrow('the handler failed');
    // A failed flush (a duplicate key) rolls back too.
    const kept = randomUUID();
    await inNewTransaction(orm.em, async (em) =>
      changeRows(em, `insert into ${outbox()} (id, type, subject, time, data) values (?, ?, ?, ?, ?)`, [kept, 't', 's', 't', '{}']),
    );
    await expect(
      inNewTransaction(orm.em, async (em) => {
        await changeRows(em, `insert into ${outbox()} (id, type, subject, time, data) values (?, ?, ?, ?, ?)`, [randomUUID(), 't', 's', 't', '{}']);
        em.create(OutboxRecordSchema, record(kept));
      }),
    ).rejects.toThrow();
    expect(await ids()).toEqual([kept]);
  });

  it('rolls all of it back when the work fails, and the connection serves the next one', async () => {
    await expect(
      orm.em.transactional(async (em) => {
        em.create(OutboxRecordSchema, record(randomUUID()));
        await em.flush();
        await changeRows(em, `insert into ${outbox()} (id, type, subject, time, data) values (?, ?, ?, ?, ?)`, [randomUUID(), 't', 's', 't', '{}']);
        throw new Error('the handler failed');
      }),
    ).rejects.toThrow('the handler failed');
    expect(await ids()).toEqual([]);
    const next = randomUUID();
    await orm.em.transactional(async (em) => {
      em.create(OutboxRecordSchema, record(next));
    });
    expect(await ids()).toEqual([next]);
  });

  it('rolls back a nested transaction to its savepoint and keeps the outer one’s work', async () => {
    const [outer, inner] = [randomUUID(), randomUUID()];
    await orm.em.transactional(async (em) => {
      em.create(OutboxRecordSchema, record(outer));
      await em.flush();
      await expect(
        em.transactional(async (nested) => {
          nested.create(OutboxRecordSchema, record(inner));
          await nested.flush();
          expect(await nested.count(OutboxRecordSchema, {})).toBe(2);
          throw new Error('inner failed');
        }),
      ).rejects.toThrow('inner failed');
    });
    expect(await ids()).toEqual([outer]);
  });

  it('runs concurrent transactions one after another on the one connection', async () => {
    const written = Array.from({ length: 20 }, () => randomUUID());
    await Promise.all(
      written.map((id) =>
        orm.em.transactional(async (em) => {
          await changeRows(em, `insert into ${outbox()} (id, type, subject, time, data) values (?, ?, ?, ?, ?)`, [id, 't', 's', 't', '{}']);
          await new Promise((resolve) => setImmediate(resolve));
          // Each sees its own row and no other transaction's uncommitted one.
          const mine = await selectRows<{ id: string }>(em, `select id from ${outbox()} where id = ?`, [id]);
          expect(mine).toEqual([{ id }]);
        }),
      ),
    );
    expect((await ids()).sort()).toEqual([...written].sort());
  });

  it('a late rollback of an ended transaction leaves the next one on the connection alone', async () => {
    const connection = orm.em.getConnection();
    const ended = await connection.begin();
    await connection.commit(ended);
    const next = await connection.begin();
    const id = randomUUID();
    await connection.execute(`insert into ${outbox()} (id, type, subject, time, data) values (?, ?, ?, ?, ?)`, [id, 't', 's', 't', '{}'], 'run', next);
    await connection.rollback(ended);
    await connection.commit(next);
    expect(await ids()).toEqual([id]);
  });

  it('refuses a second nested transaction while one is open, and a nested one whose outer transaction has ended', async () => {
    const connection = orm.em.getConnection();
    const outer = await connection.begin();
    const nested = await connection.begin({ ctx: outer });
    await expect(connection.begin({ ctx: outer })).rejects.toThrow('a nested transaction is already open');
    await connection.rollback(outer);
    await expect(connection.execute('select 1', [], 'all', nested)).rejects.toThrow('the transaction has already ended');
    await expect(connection.begin({ ctx: nested })).rejects.toThrow('the transaction has already ended');
    // The connection is free and outside any transaction: the next one begins.
    await orm.em.transactional(async (em) => {
      em.create(OutboxRecordSchema, record(randomUUID()));
    });
    expect(await ids()).toHaveLength(1);
  });

  it('keeps the work after a statement the database could not parse (caught) in the transaction', async () => {
    await expect(
      orm.em.transactional(async (em) => {
        await expect(selectRows(em, 'selec nothing', [])).rejects.toThrow();
        await changeRows(em, `insert into ${outbox()} (id, type, subject, time, data) values (?, ?, ?, ?, ?)`, [randomUUID(), 't', 's', 't', '{}']);
        throw new Error('the handler failed');
      }),
    ).rejects.toThrow('the handler failed');
    expect(await ids()).toEqual([]);
  });

  it('refuses a statement that reaches the connection only after the transaction ended', async () => {
    const connection = orm.em.getConnection();
    const trx = await connection.begin();
    // What knex's runner does with a transaction: take its connection, then (later) send on it.
    const handed = await (trx as unknown as { client: { acquireConnection(): Promise<object> } }).client.acquireConnection();
    await connection.rollback(trx);
    const send = async () =>
      'prepare' in handed
        ? (handed as { prepare(sql: string): { all(): unknown } }).prepare('select 1').all()
        : new Promise((resolve, reject) =>
            (handed as { query(config: object, callback: (err: Error | null, result: unknown) => void): void }).query(
              { text: 'select 1', values: [] },
              (err, result) => (err ? reject(err) : resolve(result)),
            ),
          );
    await expect(send()).rejects.toThrow('the transaction has already ended');
  });

  it('runs statements carried to the commit with it, drops them on a rollback, and rolls everything back when one fails', async () => {
    const insert = () => `insert into ${outbox()} (id, type, subject, time, data) values (?, ?, ?, ?, ?)`;
    const [kept, dropped, first, clash] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await orm.em.transactional((em) => changeRowsAtCommit(em, insert(), [kept, 't', 's', 't', '{}']));
    await expect(
      orm.em.transactional(async (em) => {
        await changeRowsAtCommit(em, insert(), [dropped, 't', 's', 't', '{}']);
        throw new Error('the handler failed');
      }),
    ).rejects.toThrow('the handler failed');
    // A carried insert that breaks the unique id fails the commit: the statement before it is not kept either.
    await expect(
      orm.em.transactional(async (em) => {
        await changeRows(em, insert(), [first, 't', 's', 't', '{}']);
        await changeRowsAtCommit(em, insert(), [kept, 't', 's', 't', '{}']);
      }),
    ).rejects.toThrow();
    await orm.em.transactional((em) => changeRowsAtCommit(em, insert(), [clash, 't', 's', 't', '{}']));
    expect(await ids()).toEqual([kept, clash]);
  });

  it('refuses statements once it has ended', async () => {
    let ended: Parameters<Parameters<typeof orm.em.transactional>[0]>[0] | undefined;
    await orm.em.transactional(async (em) => {
      ended = em;
    });
    await expect(selectRows(ended!, 'select 1', [])).rejects.toThrow('the transaction has already ended');
  });
});
