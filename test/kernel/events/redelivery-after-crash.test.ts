import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EVENTUALLY_MS, startEventSystem, tempDataDir, type EventSystem } from '../../support/fixtures/event-system.js';
import { waitFor } from '../../support/wait-for.js';

const CRASH_CHILD = fileURLToPath(new URL('../../support/fixtures/crash-child.ts', import.meta.url));

/**
 * Starts the fixture system in a child process that commits an event and stays mid-handling it.
 * Started early (the child needs a second or two to boot) and awaited through `handling()`.
 */
function spawnCrashChild(dataDir: string, account: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', CRASH_CHILD, dataDir, account], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = once(child, 'exit');
  return {
    handling: () =>
      waitFor(
        () => {
          if (child.exitCode !== null) throw new Error(`crash child exited early: ${stderr}`);
          return stdout.includes('handling');
        },
        2 * EVENTUALLY_MS,
        'the child to be handling the event',
      ),
    /** kill -9: no cleanup of any kind runs in the child. */
    async sigkill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Principle 3: an event committed with its state change survives a crash and is applied once. */
describe('an event committed when the process dies', () => {
  let data: ReturnType<typeof tempDataDir>;
  let systems: EventSystem[] = [];
  const childData = tempDataDir();
  let child: ReturnType<typeof spawnCrashChild>;
  beforeAll(() => {
    child = spawnCrashChild(childData.dir, 'acc-2');
  });
  afterAll(async () => {
    await child.sigkill();
    childData.remove();
  });
  beforeEach(() => {
    data = tempDataDir();
  });
  afterEach(async () => {
    await Promise.allSettled(systems.map((s) => s.stop()));
    systems = [];
    data.remove();
  });
  const start = async () => {
    const sys = await startEventSystem({ dataDir: data.dir });
    systems.push(sys);
    return sys;
  };

  it('but not yet relayed is delivered after a restart on the same database', async () => {
    const first = await start();
    first.system.bus.halt(); // the process "dies" between the commit and the relay
    const entry = await first.ledger.makeEntry('acc-1', 42);
    const [pending] = await first.outbox();
    expect(pending).toMatchObject({ subject: 'acc-1', type: 'ledger.entry-made.v1', publishedAt: null });
    expect(await first.tallyRows()).toEqual([]);
    await first.kill();
    systems = [];

    const second = await start();
    const outbox = await waitFor(
      async () => {
        const o = await second.outbox();
        return o.every((r) => r.publishedAt) && o;
      },
      EVENTUALLY_MS,
      'the outbox to be relayed',
    );
    await second.settled();
    expect(outbox.map((r) => r.id)).toEqual([pending!.id]);
    expect(await second.tallyRows()).toEqual([expect.objectContaining({ eventId: pending!.id, account: 'acc-1', number: 1, amount: 42 })]);
    expect(await second.ledger.entries()).toEqual([entry]);
    expect((await second.inbox()).map((r) => r.eventId)).toEqual([pending!.id]);
    expect(await second.deadLetters()).toEqual([]);
  });

  it('while the consumer was handling it is applied exactly once after a kill -9 and a restart', async () => {
    await child.handling();
    await child.sigkill();

    const second = await startEventSystem({ dataDir: childData.dir });
    systems.push(second);
    const outbox = await waitFor(
      async () => {
        const o = await second.outbox();
        return o.length === 1 && o.every((r) => r.publishedAt) && o;
      },
      EVENTUALLY_MS,
      'the outbox to be relayed',
    );
    await second.settled();
    expect(await second.ledger.entries()).toHaveLength(1);
    expect(await second.tallyRows()).toEqual([expect.objectContaining({ eventId: outbox[0]!.id, account: 'acc-2', number: 1, amount: 7 })]);
    expect((await second.inbox()).map((r) => r.eventId)).toEqual([outbox[0]!.id]);
    expect(await second.deadLetters()).toEqual([]);
  });
});
