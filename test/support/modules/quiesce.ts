import { OutboxRecordSchema } from '../../../src/kernel/events/outbox.entity.js';
import type { System } from '../../../src/runtimes/system.factory.js';
import { waitFor } from '../wait-for.js';

/**
 * Waits (bounded) until the bus is quiet: every relay idle and every hosted module's outbox fully
 * relayed. The memory transport marks a row published only after every consumer dealt with it,
 * so a quiet bus means every event committed so far has been applied everywhere.
 */
export async function quiesce(system: System, timeoutMs = 10_000): Promise<void> {
  await waitFor(
    async () => {
      await system.bus.idle();
      for (const { orm } of system.modules.values()) {
        if ((await orm.em.fork().count(OutboxRecordSchema, { publishedAt: null })) > 0) return false;
      }
      // Idle again: nothing got committed while we were counting.
      await system.bus.idle();
      return true;
    },
    timeoutMs,
    'the event bus to be quiet',
  );
}
