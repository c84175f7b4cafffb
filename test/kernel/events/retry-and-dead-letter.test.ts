import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTUALLY_MS, startEventSystem, type EventSystem } from '../../support/fixtures/event-system.js';
import { waitFor } from '../../support/wait-for.js';

/** Principle 3: failing handlers are retried with backoff, then dead-lettered, without blocking other keys. */
describe('a failing handler', () => {
  let sys: EventSystem;
  beforeAll(async () => {
    sys = await startEventSystem();
  });
  afterAll(() => sys.stop());

  it('is retried, then dead-lettered, while other subjects keep flowing', async () => {
    expect(sys.system.config.events.retry.maxAttempts).toBe(3);
    sys.tally.failFor('acc-a', { number: 1 });
    // Each attempt on a1 takes a while, so that b and c events are surely waiting when it fails.
    sys.tally.slowDown((e) => (e.subject === 'acc-a' && e.data.number === 1 ? 30 : 0));

    const [a1] = await sys.ledger.makeEntries([
      { account: 'acc-a', amount: 1 },
      { account: 'acc-a', amount: 2 },
      ...[0, 1, 2].flatMap((i) => [
        { account: 'acc-b', amount: 10 + i },
        { account: 'acc-c', amount: 20 + i },
      ]),
    ]);
    const letters = await waitFor(
      async () => {
        const l = await sys.deadLetters();
        return l.length > 0 && (await sys.tallyRows()).length === 7 && l;
      },
      EVENTUALLY_MS,
      'a1 to be dead-lettered and the 7 others applied',
    );

    const [outboxA1] = (await sys.outbox()).filter((r) => r.data['entryId'] === a1!.id);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      eventId: outboxA1!.id,
      type: 'ledger.entry-made.v1',
      subject: 'acc-a',
      attempts: 3,
      status: 'pending',
      reason: expect.stringMatching(/handler failed after 3 attempt\(s\): tally refuses acc-a/),
    });
    expect(letters[0]!.envelope).toMatchObject({ id: outboxA1!.id, data: { entryId: a1!.id, number: 1 } });

    // Each failed attempt rolled back its row and its inbox record; a2 went through after a1 gave up.
    expect((await sys.tallyRows('acc-a')).map((r) => r.number)).toEqual([2]);
    expect(sys.tally.seenFor('acc-a')).toEqual([1, 1, 1, 2]);
    expect((await sys.inbox()).map((r) => r.eventId)).not.toContain(outboxA1!.id);
    expect(await sys.inbox()).toHaveLength(7);

    // b and c were handled between a1's attempts, not after it gave up.
    const { timeline } = sys.tally;
    const lastA1 = timeline.lastIndexOf('acc-a#1');
    expect(timeline.indexOf('acc-b#1')).toBeLessThan(lastA1);
    expect(timeline.indexOf('acc-c#1')).toBeLessThan(lastA1);
    expect((await sys.tallyRows('acc-b')).map((r) => r.amount)).toEqual([10, 11, 12]);
    expect((await sys.tallyRows('acc-c')).map((r) => r.amount)).toEqual([20, 21, 22]);
    await waitFor(async () => (await sys.outbox()).every((r) => r.publishedAt), EVENTUALLY_MS, 'every event to be relayed');
  });

  it('that fails transiently is applied once, with no dead letter', async () => {
    sys.tally.failFor('acc-t', { times: 2 });
    await sys.ledger.makeEntry('acc-t', 5);
    await waitFor(async () => (await sys.tallyRows('acc-t')).length === 1, EVENTUALLY_MS, 'acc-t to be applied');
    await sys.settled();
    expect(sys.tally.seenFor('acc-t')).toEqual([1, 1, 1]);
    expect(await sys.tallyRows('acc-t')).toEqual([expect.objectContaining({ number: 1, amount: 5 })]);
    expect((await sys.deadLetters()).filter((l) => l.subject === 'acc-t')).toEqual([]);
  });
});
