import { createHash } from 'node:crypto';

/** A failed sign-in, counted against one key (an account or a client IP). */
export interface LoginFailure {
  id: string;
  /**
   * Hex SHA-256 of `account:<normalized email>|ip:<address>` (one account from one address) or
   * `ip:<address>`: no emails or addresses at rest.
   */
  scopeKey: string;
  failedAt: Date;
}

export interface LoginThrottlePolicy {
  windowMs: number;
  maxFailures: number;
  lockBaseMs: number;
  lockMaxMs: number;
}

/**
 * One account tried from one address: consecutive failures are counted per pair, so failures from
 * other addresses never lock the account for its owner. Without a known address, per account.
 */
export function accountKey(normalizedEmail: string, ip?: string): string {
  return sha256(ip === undefined ? `account:${normalizedEmail}` : `account:${normalizedEmail}|ip:${ip}`);
}

export function ipKey(ip: string): string {
  return sha256(`ip:${ip}`);
}

function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/**
 * Until when a key is locked, given the times of its failures inside the sliding window. Below
 * `maxFailures` it is not; at `maxFailures` the lock lasts `lockBaseMs` from the last failure and
 * doubles with each further failure (attempts refused while locked are not failures: they are never
 * checked), up to `lockMaxMs`. Every lock expires by itself.
 */
export function lockedUntil(failures: readonly Date[], policy: LoginThrottlePolicy, now: Date): Date | undefined {
  const since = now.getTime() - policy.windowMs;
  const recent = failures.map((d) => d.getTime()).filter((t) => t > since);
  if (recent.length < policy.maxFailures) return undefined;
  const last = Math.max(...recent);
  const exponent = Math.min(recent.length - policy.maxFailures, 30);
  const delay = Math.min(policy.lockBaseMs * 2 ** exponent, policy.lockMaxMs);
  const until = last + delay;
  return until > now.getTime() ? new Date(until) : undefined;
}
