import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { changeRows, selectRows } from '../../../src/kernel/db/plain-sql.js';
import { createModuleDatabase } from '../../../src/kernel/events/module-database.factory.js';

/** Plain statements on SQLite: in a transaction on its connection, reads outside one on the read-only connection. */
const dir = mkdtempSync(join(tmpdir(), 'mercato-plain-sql-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const within = <T>(work: Promise<T>, ms: number): Promise<T | 'waited'> =>
  Promise.race([work, new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), ms))]);

describe.each([
  ['a file', (name: string) => join(dir, `${name}.db`), true],
  ['memory', () => ':memory:', false],
] as const)('plain SQL on SQLite in %s', (_, file, readsBeside) => {
  it(`a read outside a transaction ${readsBeside ? 'does not wait for an open one and sees only what is committed' : 'waits for an open transaction (one connection)'}`, async () => {
    const orm = await createModuleDatabase('ledger', [], { kind: 'sqlite', file: file(randomUUID()) }, pino({ level: 'silent' }));
    const pending = () => selectRows<{ id: string }>(orm.em, 'select id from event_outbox where published_at is null', []);
    try {
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let inserted!: () => void;
      const insertedYet = new Promise<void>((resolve) => {
        inserted = resolve;
      });
      const id = randomUUID();
      const open = orm.em.transactional(async (em) => {
        await changeRows(em, 'insert into event_outbox (id, type, subject, time, data) values (?, ?, ?, ?, ?)', [id, 'ledger.booked.v1', 's', 't', '{}']);
        expect(await selectRows(em, 'select id from event_outbox', [])).toEqual([{ id }]);
        inserted();
        await held;
      });
      await insertedYet;
      const outside = await within(pending(), 1_000);
      release();
      await open;
      expect(outside).toEqual(readsBeside ? [] : 'waited');
      expect(await pending()).toEqual([{ id }]);
      await expect(changeRows(orm.em, 'update event_outbox set published_at = ? where id = ?', [new Date(), id])).resolves.toBe(1);
      expect(await pending()).toEqual([]);
    } finally {
      await orm.close(true);
    }
  });
});
