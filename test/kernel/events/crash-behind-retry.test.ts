import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { EVENTUALLY_MS, startEventSystem, tempDataDir, type EventSystem } from '../../support/fixtures/event-system.js';
import { waitFor } from '../../support/wait-for.js';

const CHILD = fileURLToPath(new URL('../../support/fixtures/crash-behind-child.ts', import.meta.url));
const LATER = 30;

/**
 * Later events (of other subjects, some on the same partition) are dealt with while an earlier one
 * is still in retry. What is recorded as consumed must not pass the earlier one: after a kill -9
 * and a restart it is delivered again and applied, and the later ones are not applied twice.
 */
describe('a process killed while an event is in retry and later ones are done', () => {
  const data = tempDataDir();
  let restarted: EventSystem | undefined;
  afterAll(async () => {
    await restarted?.stop();
    data.remove();
  });

  it('applies the event in retry after a restart, and the later ones once', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, data.dir, 'behind', String(LATER)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = once(child, 'exit');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      await waitFor(
        () => {
          if (child.exitCode !== null) throw new Error(`crash child exited early: ${stderr}`);
          return stdout.includes('behind');
        },
        3 * EVENTUALLY_MS,
        'the child to have the later events applied',
      );
    } finally {
      child.kill('SIGKILL');
      await exited;
    }

    restarted = await startEventSystem({ dataDir: data.dir });
    await waitFor(async () => (await restarted!.tallyRows('behind')).length === 1, 2 * EVENTUALLY_MS, 'the event in retry to be applied after the restart');
    await restarted.settled();
    expect((await restarted.tallyRows('behind')).map((r) => r.amount)).toEqual([7]);
    const later = (await restarted.tallyRows()).filter((r) => r.account.startsWith('later-'));
    expect(later).toHaveLength(LATER);
    expect(new Set(later.map((r) => r.eventId)).size).toBe(LATER);
    expect(await restarted.deadLetters()).toEqual([]);
  }, 180_000);
});
