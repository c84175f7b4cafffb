import { describe, expect, it } from 'vitest';
import { accountKey, ipKey, lockedUntil, type LoginThrottlePolicy } from '../../../../src/modules/user/domain/login-throttle.js';

const policy: LoginThrottlePolicy = { windowMs: 15 * 60_000, maxFailures: 5, lockBaseMs: 60_000, lockMaxMs: 15 * 60_000 };
const t0 = Date.parse('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(t0 + ms);
/** `n` failures one second apart, starting at t0. */
const failures = (n: number) => Array.from({ length: n }, (_, i) => at(i * 1_000));

describe('lockedUntil', () => {
  it('does not lock below the limit', () => {
    expect(lockedUntil(failures(4), policy, at(5_000))).toBeUndefined();
  });

  it('locks for the base delay from the last failure at the limit', () => {
    expect(lockedUntil(failures(5), policy, at(5_000))).toEqual(at(4_000 + 60_000));
  });

  it('doubles with every further failure, up to the cap', () => {
    expect(lockedUntil(failures(6), policy, at(6_000))).toEqual(at(5_000 + 120_000));
    expect(lockedUntil(failures(7), policy, at(7_000))).toEqual(at(6_000 + 240_000));
    expect(lockedUntil(failures(9), policy, at(9_000))).toEqual(at(8_000 + 900_000));
    expect(lockedUntil(failures(60), policy, at(60_000))).toEqual(at(59_000 + 900_000));
  });

  it('expires by itself', () => {
    expect(lockedUntil(failures(5), policy, at(4_000 + 60_000))).toBeUndefined();
    expect(lockedUntil(failures(60), policy, at(59_000 + 900_000 + 1))).toBeUndefined();
  });

  it('counts only failures inside the sliding window', () => {
    // Five failures, but the first two are older than the window at this moment.
    const spread = [at(0), at(1_000), at(10 * 60_000), at(10 * 60_000 + 1_000), at(10 * 60_000 + 2_000)];
    expect(lockedUntil(spread, policy, at(10 * 60_000 + 3_000))).toEqual(at(10 * 60_000 + 2_000 + 60_000));
    expect(lockedUntil(spread, policy, at(15 * 60_000 + 1_500))).toBeUndefined();
  });
});

describe('throttle keys', () => {
  it('are hex SHA-256, distinct per scope, and hold no email or address in clear', () => {
    const account = accountKey('ada@example.com');
    const ip = ipKey('ada@example.com');
    expect(account).toMatch(/^[0-9a-f]{64}$/);
    expect(account).not.toBe(ip);
    expect(accountKey('ada@example.com')).toBe(account);
    expect(ipKey('127.0.0.1')).not.toBe(ipKey('::1'));
  });

  it('count an account per client address', () => {
    expect(accountKey('ada@example.com', '10.0.0.1')).not.toBe(accountKey('ada@example.com', '10.0.0.2'));
    expect(accountKey('ada@example.com', '10.0.0.1')).toBe(accountKey('ada@example.com', '10.0.0.1'));
    expect(accountKey('ada@example.com', '10.0.0.1')).not.toContain('10.0.0.1');
  });
});
