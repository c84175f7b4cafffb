import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlEventTables } from '../../../src/kernel/events/sql.event-tables.js';
import { EventTablesPruner } from '../../../src/kernel/events/event-tables.pruner.js';
import { startEventSystem, type EventSystem } from '../../support/fixtures/event-system.js';

const HOUR = 3_600_000;

/** Storage stays bounded: relayed outbox rows and old inbox records go once past their retention. */
describe('pruning the event tables', () => {
  let sys: EventSystem;
  beforeAll(async () => {
    sys = await startEventSystem();
  });
  afterAll(() => sys.stop());

  const pruner = (module: string) =>
    new EventTablesPruner(
      new SqlEventTables(sys.system.modules.get(module)!.orm),
      { outboxMs: HOUR, inboxMs: 2 * HOUR, pruneIntervalMs: 60_000 },
      pino({ level: 'silent' }),
    );

  it('keeps what is younger than its retention and deletes what is older', async () => {
    for (let i = 1; i <= 3; i++) await sys.ledger.makeEntry('acc-p', i);
    await sys.settled();
    expect(await sys.outbox()).toHaveLength(3);
    expect(await sys.inbox()).toHaveLength(3);

    // Within both retentions nothing goes.
    await pruner('ledger').prune(Date.now() + HOUR / 2);
    await pruner('tally').prune(Date.now() + HOUR / 2);
    expect(await sys.outbox()).toHaveLength(3);
    expect(await sys.inbox()).toHaveLength(3);

    // Past the outbox's retention but within the inbox's: the relayed rows go, the dedupe records stay.
    await pruner('ledger').prune(Date.now() + 1.5 * HOUR);
    await pruner('tally').prune(Date.now() + 1.5 * HOUR);
    expect(await sys.outbox()).toEqual([]);
    expect(await sys.inbox()).toHaveLength(3);

    await pruner('tally').prune(Date.now() + 3 * HOUR);
    expect(await sys.inbox()).toEqual([]);
  });

  it('never deletes an event that has not been relayed', async () => {
    sys.system.bus.halt();
    await sys.ledger.makeEntry('acc-q', 1);
    await pruner('ledger').prune(Date.now() + 10 * HOUR);
    expect(await sys.outbox()).toEqual([expect.objectContaining({ subject: 'acc-q', publishedAt: null })]);
  });
});
