import { afterEach, describe, expect, it } from 'vitest';
import { OutboxRecordSchema } from '../../../src/kernel/events/outbox.entity.js';
import { toEnvelope } from '../../../src/kernel/events/outbox.relay.js';
import { EVENTUALLY_MS, startEventSystem, tempDataDir, type EventSystem } from '../../support/fixtures/event-system.js';
import { waitFor } from '../../support/wait-for.js';

const allPublished = (sys: EventSystem) => async () => {
  const rows = await sys.outbox();
  return rows.length > 0 && rows.every((r) => r.publishedAt) && rows;
};

/** Principle 3: relayed at least once, processed effectively once (inbox). */
describe('a duplicate delivery', () => {
  let systems: EventSystem[] = [];
  const data = tempDataDir();
  afterEach(async () => {
    await Promise.allSettled(systems.map((s) => s.stop()));
    systems = [];
  });
  const start = async (dataDir?: string) => {
    const sys = await startEventSystem(dataDir ? { dataDir } : {});
    systems.push(sys);
    return sys;
  };

  it('is processed once when the transport hands the same envelope over again', async () => {
    const sys = await start();
    await sys.ledger.makeEntry('acc-d', 10);
    const [row] = await waitFor(allPublished(sys), EVENTUALLY_MS, 'the entry to be relayed');
    await sys.settled();
    const envelope = toEnvelope('ledger', row!);

    await sys.system.bus.transport.publish(envelope);
    await Promise.all([sys.system.bus.transport.publish(envelope), sys.system.bus.transport.publish({ ...envelope })]);
    // In memory `publish` returns once consumed; over Kafka, once the broker has the copies.
    await sys.settled();

    expect(await sys.tallyRows()).toEqual([expect.objectContaining({ eventId: envelope.id, account: 'acc-d', amount: 10 })]);
    expect((await sys.inbox()).map((r) => r.eventId)).toEqual([envelope.id]);
    expect(await sys.deadLetters()).toEqual([]);
  });

  it('is processed once when the relay sends it again after a restart', async () => {
    try {
      const first = await start(data.dir);
      await first.ledger.makeEntries([
        { account: 'acc-e', amount: 1 },
        { account: 'acc-f', amount: 2 },
      ]);
      const relayed = await waitFor(allPublished(first), EVENTUALLY_MS, 'both entries to be relayed');
      await first.settled();
      expect(await first.tallyRows()).toHaveLength(2);
      // As if the process had died after delivering but before marking the rows published.
      await first.orm('ledger').em.fork().nativeUpdate(OutboxRecordSchema, {}, { publishedAt: null });
      await first.stop();
      systems = [];

      const second = await start(data.dir);
      await waitFor(allPublished(second), EVENTUALLY_MS, 'the entries to be relayed again');
      await second.settled();
      // Sorted by subject: order is kept per subject, and acc-e and acc-f may travel on different partitions.
      const rows = [...(await second.tallyRows())].sort((a, b) => a.account.localeCompare(b.account));
      expect(rows.map((r) => [r.eventId, r.account, r.amount])).toEqual([
        [relayed[0]!.id, 'acc-e', 1],
        [relayed[1]!.id, 'acc-f', 2],
      ]);
      expect((await second.inbox()).map((r) => r.eventId).sort()).toEqual(relayed.map((r) => r.id).sort());
      expect(await second.deadLetters()).toEqual([]);
    } finally {
      await Promise.allSettled(systems.map((s) => s.stop()));
      systems = [];
      data.remove();
    }
  });
});
