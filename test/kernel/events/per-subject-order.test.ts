import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTUALLY_MS, startEventSystem, type EventSystem } from '../../support/fixtures/event-system.js';
import { waitFor } from '../../support/wait-for.js';

/** A small seeded generator, so that the "random" delays are the same on every run. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Principle 3: order is kept per key (the subject). */
describe('events for one subject', () => {
  let sys: EventSystem;
  beforeAll(async () => {
    sys = await startEventSystem();
  });
  afterAll(() => sys.stop());

  it('are handled in publish order', async () => {
    const random = mulberry32(42);
    sys.tally.slowDown(() => Math.floor(random() * 8));
    const accounts = ['s1', 's2', 's3', 's4', 's5'];
    const published: { account: string; amount: number }[] = [];
    const round = (r: number) => accounts.map((account, i) => ({ account, amount: r * 10 + i }));
    const bySubject = (items: { account: string; amount: number }[]) => [...items].sort((a, b) => a.account.localeCompare(b.account));
    // 50 events with the subjects interleaved: one event per transaction (rounds 0-1), one
    // transaction per round (2-3), and two events of each subject in one transaction (4-9).
    const transactions = [
      ...[...round(0), ...round(1)].map((item) => [item]),
      round(2),
      round(3),
      bySubject([...round(4), ...round(5)]),
      bySubject([...round(6), ...round(7)]),
      bySubject([...round(8), ...round(9)]),
    ];
    for (const items of transactions) {
      await sys.ledger.makeEntries(items);
      published.push(...items);
    }
    expect(published).toHaveLength(50);

    await waitFor(async () => (await sys.tallyRows()).length === 50, EVENTUALLY_MS, 'all 50 events to be applied');
    await sys.settled();
    const outbox = await sys.outbox();
    const rows = await sys.tallyRows();
    for (const account of accounts) {
      const expected = published.filter((p) => p.account === account).map((p) => p.amount);
      const relayedOrder = outbox.filter((r) => r.subject === account).map((r) => r.id);
      expect(outbox.filter((r) => r.subject === account).map((r) => r.data['amount'])).toEqual(expected);
      expect(rows.filter((r) => r.account === account).map((r) => r.amount)).toEqual(expected);
      expect(rows.filter((r) => r.account === account).map((r) => r.eventId)).toEqual(relayedOrder);
      expect(sys.tally.seenFor(account)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    }
    expect(await sys.deadLetters()).toEqual([]);
  });
});
