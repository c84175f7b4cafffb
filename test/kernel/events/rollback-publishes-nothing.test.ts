import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerEntryMadeV1, LedgerEntrySchema, LedgerTestFailure, type EntryMade } from '../../support/fixtures/ledger.module.js';
import { startEventSystem, type EventSystem } from '../../support/fixtures/event-system.js';

/** Principle 3: events are written in the same transaction as the state change. */
describe('a state change that rolls back', () => {
  let sys: EventSystem;
  beforeAll(async () => {
    sys = await startEventSystem();
  });
  afterAll(() => sys.stop());

  it('publishes nothing', async () => {
    await expect(sys.ledger.makeEntryThenFail('acc-r', 5)).rejects.toThrow(LedgerTestFailure);
    expect(await sys.ledger.entries()).toEqual([]);
    expect(await sys.outbox()).toEqual([]);

    // A later event on the same subject is a barrier: had the first one left, it would come first.
    await sys.ledger.makeEntry('acc-r', 7);
    await sys.settled();
    expect(await sys.tallyRows()).toEqual([expect.objectContaining({ account: 'acc-r', number: 1, amount: 7 })]);
    expect(sys.tally.seenFor('acc-r')).toEqual([1]);
    expect(await sys.outbox()).toEqual([expect.objectContaining({ subject: 'acc-r', publishedAt: expect.any(Date) })]);
    expect(await sys.inbox()).toHaveLength(1);
  });

  it('fails, with its state change, when it publishes a payload that breaks the contract', async () => {
    const work = sys.uow('ledger').run(async (tx) => {
      tx.em.create(LedgerEntrySchema, { id: '01970000-0000-7000-8000-000000000001', account: 'acc-z', number: 1, amount: 1 });
      tx.publish(LedgerEntryMadeV1, 'acc-z', { account: 'acc-z', number: 0 } as unknown as EntryMade);
    });
    await expect(work).rejects.toThrow();
    expect(await sys.ledger.entries('acc-z')).toEqual([]);
    expect((await sys.outbox()).filter((r) => r.subject === 'acc-z')).toEqual([]);

    await sys.ledger.makeEntry('acc-z', 3);
    await sys.settled();
    expect(await sys.tallyRows('acc-z')).toEqual([expect.objectContaining({ number: 1, amount: 3 })]);
    expect(await sys.deadLetters()).toEqual([]);
  });
});
