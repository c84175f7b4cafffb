import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTUALLY_MS, startEventSystem, type EventSystem } from '../../support/fixtures/event-system.js';
import { waitFor } from '../../support/wait-for.js';

const FAILING_FOR_MS = 10_000;
const OTHERS = 100;

/**
 * An event in retry holds back only the later events of its own subject: other subjects (on any
 * partition, published before or after it) are applied meanwhile.
 */
describe('an event whose handler keeps failing for a while', () => {
  let sys: EventSystem;
  beforeAll(async () => {
    // Retries that outlast the failure (19 waits of 0.7-2 s), so it recovers rather than being dead-lettered.
    sys = await startEventSystem({ overrides: { events: { retry: { maxAttempts: 20, initialDelayMs: 700, maxDelayMs: 2000 } } } });
  });
  afterAll(() => sys.stop());

  it(`does not hold up ${OTHERS} events of other subjects`, async () => {
    sys.tally.failFor('stuck');
    await sys.ledger.makeEntry('stuck', 1);
    await waitFor(() => sys.tally.seenFor('stuck').length >= 2, EVENTUALLY_MS, 'the stuck event to be in retry');
    const failingSince = Date.now();
    const heal = setTimeout(() => sys.tally.heal('stuck'), FAILING_FOR_MS);
    try {
      // The stuck subject's next event must wait for it; the others must not.
      await sys.ledger.makeEntry('stuck', 2);
      for (let i = 0; i < OTHERS; i++) await sys.ledger.makeEntry(`other-${i % 10}`, i);

      await waitFor(
        async () => (await sys.tallyRows()).filter((r) => r.account.startsWith('other-')).length === OTHERS,
        FAILING_FOR_MS,
        `the ${OTHERS} other events to be applied`,
      );
      const othersDoneAfter = Date.now() - failingSince;
      expect(othersDoneAfter).toBeLessThan(FAILING_FOR_MS);
      expect(await sys.tallyRows('stuck')).toEqual([]);

      await waitFor(async () => (await sys.tallyRows('stuck')).length === 2, FAILING_FOR_MS + EVENTUALLY_MS, 'the stuck subject to recover');
      expect(Date.now() - failingSince).toBeGreaterThanOrEqual(FAILING_FOR_MS);
    } finally {
      clearTimeout(heal);
    }
    await sys.settled();
    expect((await sys.tallyRows('stuck')).map((r) => r.number)).toEqual([1, 2]);
    // Entry 2 was handled only after entry 1 had succeeded (every earlier call was entry 1).
    const calls = sys.tally.seenFor('stuck');
    expect(calls.slice(0, -1).every((n) => n === 1)).toBe(true);
    expect(calls.at(-1)).toBe(2);
    for (let s = 0; s < 10; s++) expect(sys.tally.seenFor(`other-${s}`)).toEqual(Array.from({ length: OTHERS / 10 }, (_, i) => i + 1));
    expect(await sys.deadLetters()).toEqual([]);
  }, 60_000);
});
