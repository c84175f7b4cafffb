import { afterEach, describe, expect, it, vi } from 'vitest';
import { runHealthChecks, upStandsFor, type HealthCheck } from '../../../src/kernel/observability/health.js';

/** A dependency whose state the test sets, counting how often it is asked. */
function dependency(initially: boolean) {
  const state = { up: initially, asked: 0 };
  const check: HealthCheck = {
    name: 'db:test',
    check: async () => {
      state.asked += 1;
      return state.up;
    },
  };
  return { state, check };
}

describe('upStandsFor', () => {
  afterEach(() => vi.useRealTimers());

  it('answers from an up answer for the window, then asks the dependency again', async () => {
    vi.useFakeTimers();
    const { state, check } = dependency(true);
    const remembered = upStandsFor(check, 5_000);
    expect(await remembered.check()).toBe(true);
    state.up = false;
    vi.advanceTimersByTime(4_000);
    expect(await remembered.check()).toBe(true);
    expect(state.asked).toBe(1);
    vi.advanceTimersByTime(1_500);
    expect(await remembered.check()).toBe(false);
    expect(state.asked).toBe(2);
  });

  it('never remembers a down answer: the next probe asks again and sees the recovery', async () => {
    const { state, check } = dependency(false);
    const remembered = upStandsFor(check, 5_000);
    expect((await runHealthChecks([remembered])).status).toBe('unavailable');
    state.up = true;
    expect(await runHealthChecks([remembered])).toEqual({ status: 'ok', checks: { 'db:test': 'up' } });
    expect(state.asked).toBe(2);
  });

  it('lets probes that arrive while one is under way share its answer', async () => {
    let answer: (up: boolean) => void = () => undefined;
    let asked = 0;
    const slow = upStandsFor({
      name: 'bus:kafka',
      check: () => {
        asked += 1;
        return new Promise<boolean>((resolve) => {
          answer = resolve;
        });
      },
    });
    const probes = [slow.check(), slow.check(), slow.check()];
    answer(false);
    expect(await Promise.all(probes)).toEqual([false, false, false]);
    expect(asked).toBe(1);
  });

  it('does not share a question left unanswered longer than a probe waits: a later probe asks anew', async () => {
    vi.useFakeTimers();
    let asked = 0;
    const stuck = upStandsFor({
      name: 'bus:kafka',
      check: () => {
        asked += 1;
        // The first question never comes back (a client retrying forever); later ones are answered.
        return asked === 1 ? new Promise<boolean>(() => undefined) : Promise.resolve(true);
      },
    });
    const first = runHealthChecks([stuck]);
    await vi.advanceTimersByTimeAsync(2_500);
    expect((await first).status).toBe('unavailable');
    const second = await runHealthChecks([stuck]);
    expect(second.status).toBe('ok');
    expect(asked).toBe(2);
  });
});
