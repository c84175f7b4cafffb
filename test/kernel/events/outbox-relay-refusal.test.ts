import type { MikroORM } from '@mikro-orm/core';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../src/kernel/events/event-envelope.js';
import type { EventTables } from '../../../src/kernel/events/event-tables.port.js';
import type { EventTransport } from '../../../src/kernel/events/event-transport.port.js';
import type { OutboxRecord } from '../../../src/kernel/events/outbox.entity.js';
import { OutboxRelay } from '../../../src/kernel/events/outbox.relay.js';
import { waitFor } from '../../support/wait-for.js';

interface Deferred {
  resolve(): void;
  reject(err: Error): void;
}

/** An outbox in memory, behind the two calls the relay makes; its reads can be held. */
function fakeOutbox() {
  const rows: OutboxRecord[] = [];
  let readGate: Promise<void> | undefined;
  let failingMarks = 0;
  const stats = { reads: 0 };
  const tables = {
    async unpublished(after: number, limit: number) {
      stats.reads += 1;
      // A database read takes a turn of the event loop: a relay reading in a loop must not starve timers.
      await new Promise((resolve) => setImmediate(resolve));
      const found = rows
        .filter((r) => !r.publishedAt && r.seq > after)
        .slice(0, limit)
        .map((r) => ({ ...r, traceparent: null }));
      await readGate;
      return found;
    },
    async markPublished(seqs: readonly number[]) {
      if (failingMarks > 0) {
        failingMarks -= 1;
        throw new Error('database unavailable');
      }
      for (const seq of seqs) rows.find((r) => r.seq === seq)!.publishedAt = new Date();
    },
  } as unknown as EventTables;
  return {
    rows,
    stats,
    /** Commits one more event. */
    add(): OutboxRecord {
      const seq = rows.length + 1;
      const row: OutboxRecord = {
        seq,
        id: `00000000-0000-7000-8000-00000000000${seq}`,
        type: 'ledger.entry-made.v1',
        subject: `acc-${seq}`,
        time: new Date().toISOString(),
        data: { n: seq },
        traceparent: null,
        publishedAt: null,
      };
      rows.push(row);
      return row;
    },
    orm: {} as MikroORM,
    tables,
    /** The next `count` marks fail. */
    failMarks(count: number): void {
      failingMarks = count;
    },
    /** Reads from now on wait until the returned function is called. */
    holdReads(): () => void {
      let open!: () => void;
      readGate = new Promise<void>((resolve) => (open = resolve));
      return () => {
        readGate = undefined;
        open();
      };
    },
  };
}

/** A transport whose hand-overs are settled by the test. */
function fakeTransport() {
  const pending = new Map<string, Deferred[]>();
  const handedOver: string[] = [];
  const transport: EventTransport = {
    name: 'fake',
    pipelined: true,
    declareSource: () => undefined,
    deadLetter: async () => undefined,
    publish(event: EventEnvelope) {
      handedOver.push(event.id);
      return new Promise<void>((resolve, reject) => pending.set(event.id, [...(pending.get(event.id) ?? []), { resolve, reject }]));
    },
    subscribe: async () => undefined,
    start: async () => undefined,
    stop: async () => undefined,
    healthy: async () => true,
  };
  return {
    transport,
    handedOver,
    settle(id: string, outcome: 'take' | 'refuse'): void {
      const waiting = pending.get(id) ?? [];
      pending.delete(id);
      for (const d of waiting) outcome === 'take' ? d.resolve() : d.reject(new Error('broker unavailable'));
    },
    takeAll(): void {
      for (const id of [...pending.keys()]) this.settle(id, 'take');
    },
  };
}

/** Waits until every row is marked published, the broker taking whatever is handed over meanwhile. */
function everyRowPublished(outbox: ReturnType<typeof fakeOutbox>, broker: ReturnType<typeof fakeTransport>, timeoutMs: number): Promise<unknown> {
  return waitFor(
    () => {
      broker.takeAll();
      return outbox.rows.every((r) => r.publishedAt);
    },
    timeoutMs,
    'every row to be published',
  );
}

describe('the outbox relay', () => {
  it('hands an event over again when the transport refused it while a later pass was reading', async () => {
    const outbox = fakeOutbox();
    const broker = fakeTransport();
    const relay = new OutboxRelay('ledger', outbox.orm, outbox.tables, broker.transport, { intervalMs: 20, batchSize: 100 }, pino({ level: 'silent' }));
    const first = outbox.add();
    const second = outbox.add();
    try {
      relay.start();
      // A first pass hands over rows 1 and 2; the broker has not answered yet.
      await waitFor(() => broker.handedOver.length === 2);
      const third = outbox.add();
      const openReads = outbox.holdReads();
      relay.nudge();
      // The next pass is reading (rows after 2) when the broker refuses row 1.
      broker.settle(first.id, 'refuse');
      await new Promise((resolve) => setImmediate(resolve));
      openReads();

      // Row 1 must be handed over again, in this process, without a restart.
      await everyRowPublished(outbox, broker, 3_000);
      expect(broker.handedOver.filter((id) => id === first.id).length).toBeGreaterThanOrEqual(2);
      expect(broker.handedOver).toContain(second.id);
      expect(broker.handedOver).toContain(third.id);
    } finally {
      relay.halt();
    }
  });

  it('hands over again, at its next timer pass, a row it could not mark published', { timeout: 15_000 }, async () => {
    const outbox = fakeOutbox();
    const broker = fakeTransport();
    const relay = new OutboxRelay('ledger', outbox.orm, outbox.tables, broker.transport, { intervalMs: 20, batchSize: 100 }, pino({ level: 'silent' }));
    const row = outbox.add();
    outbox.failMarks(1);
    try {
      relay.start();
      await waitFor(() => broker.handedOver.length === 1);
      broker.takeAll();
      // Left unmarked, it would wait for a restart and never be pruned.
      await everyRowPublished(outbox, broker, 10_000);
      expect(broker.handedOver).toEqual([row.id, row.id]);
    } finally {
      relay.halt();
    }
  });

  it('does not spin on reads when a refusal sends it back below a full batch of rows in flight', async () => {
    const outbox = fakeOutbox();
    const broker = fakeTransport();
    const relay = new OutboxRelay('ledger', outbox.orm, outbox.tables, broker.transport, { intervalMs: 20, batchSize: 2 }, pino({ level: 'silent' }));
    const rows = Array.from({ length: 5 }, () => outbox.add());
    try {
      relay.start();
      await waitFor(() => broker.handedOver.length === 5);
      // Rows 2-5 stay in flight (their consumers are slow); row 1 is refused and read again.
      broker.settle(rows[0]!.id, 'refuse');
      await waitFor(() => broker.handedOver.filter((id) => id === rows[0]!.id).length === 2, 3_000, 'row 1 handed over again');
      const readsBefore = outbox.stats.reads;
      await new Promise((resolve) => setTimeout(resolve, 200));
      // A pass that found only rows in flight and asked for another at once would read thousands of times here.
      expect(outbox.stats.reads - readsBefore).toBeLessThan(50);
      await everyRowPublished(outbox, broker, 3_000);
    } finally {
      relay.halt();
    }
  });
});
