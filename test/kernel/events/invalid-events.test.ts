import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxRecordSchema } from '../../../src/kernel/events/outbox.entity.js';
import { EVENTUALLY_MS, startEventSystem, type EventSystem } from '../../support/fixtures/event-system.js';
import { waitFor } from '../../support/wait-for.js';

/** DESIGN "Events": an invalid or unknown-version event goes to the dead letters; it never stops the consumer. */
describe('an invalid payload or an unknown event version', () => {
  let sys: EventSystem;
  beforeAll(async () => {
    sys = await startEventSystem();
  });
  afterAll(() => sys.stop());

  /** Writes raw rows into the ledger's outbox, as a buggy or newer publisher would, and relays them. */
  async function publishRaw(rows: { type: string; subject: string; data: Record<string, unknown> }[]): Promise<string[]> {
    const em = sys.orm('ledger').em.fork();
    const ids = rows.map((row) => {
      const id = uuidv7();
      em.create(OutboxRecordSchema, { id, ...row, time: new Date().toISOString(), traceparent: null, publishedAt: null });
      return id;
    });
    await em.flush();
    sys.system.bus.committed('ledger');
    return ids;
  }

  it('goes to the dead letters with the reason, and later events are still consumed', async () => {
    const [invalid, v2, unrelated] = await publishRaw([
      { type: 'ledger.entry-made.v1', subject: 'acc-i', data: { entryId: 'nope', account: 'acc-i', number: 'one', amount: 1 } },
      { type: 'ledger.entry-made.v2', subject: 'acc-i', data: { entryId: uuidv7(), account: 'acc-i', number: 1, amount: { value: 1, currency: 'EUR' } } },
      { type: 'ledger.account-closed.v1', subject: 'acc-i', data: { account: 'acc-i' } },
    ]);
    const later = await sys.ledger.makeEntry('acc-i', 9);
    await sys.ledger.makeEntry('acc-j', 4);

    await waitFor(async () => (await sys.tallyRows()).length === 2, EVENTUALLY_MS, 'the later events to be applied');
    await waitFor(async () => (await sys.outbox()).every((r) => r.publishedAt), EVENTUALLY_MS, 'every event to be relayed');
    await sys.settled();

    const letters = await sys.deadLetters();
    expect(letters.map((l) => l.eventId).sort()).toEqual([invalid, v2].sort());
    const byEvent = new Map(letters.map((l) => [l.eventId, l]));
    expect(byEvent.get(invalid!)).toMatchObject({
      type: 'ledger.entry-made.v1',
      subject: 'acc-i',
      status: 'pending',
      attempts: 0,
      reason: expect.stringMatching(/^invalid payload: [\s\S]*entryId[\s\S]*number/),
    });
    expect(byEvent.get(invalid!)!.envelope).toMatchObject({ id: invalid, data: { entryId: 'nope', number: 'one' } });
    expect(byEvent.get(v2!)).toMatchObject({
      type: 'ledger.entry-made.v2',
      status: 'pending',
      attempts: 0,
      reason: 'unsupported event version: ledger.entry-made.v2',
    });
    // An event of a type the consumer does not subscribe to at all is none of its business.
    expect(byEvent.has(unrelated!)).toBe(false);

    // The handler never saw the bad events; the good ones after them were applied.
    expect(sys.tally.seenFor('acc-i')).toEqual([1]);
    expect(await sys.tallyRows('acc-i')).toEqual([expect.objectContaining({ number: 1, amount: 9 })]);
    expect((await sys.tallyRows('acc-i'))[0]!.eventId).toBe((await sys.outbox()).find((r) => r.data['entryId'] === later.id)!.id);
    expect(await sys.tallyRows('acc-j')).toHaveLength(1);
    expect(await sys.inbox()).toHaveLength(2);

    // Counted in metrics.
    const metrics = await (await fetch(`${sys.url}/metrics`)).text();
    for (const type of ['ledger.entry-made.v1', 'ledger.entry-made.v2']) {
      expect(metrics).toMatch(new RegExp(`^events_dead_lettered_total\\{module="tally",type="${type.replaceAll('.', '\\.')}"\\} 1$`, 'm'));
    }
  });
});
