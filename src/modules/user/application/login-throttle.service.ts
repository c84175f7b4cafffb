import { inject, injectable } from 'tsyringe';
import type { UnitOfWork } from '../../../kernel/events/unit-of-work.js';
import { TOKENS } from '../../../kernel/tokens.js';
import { accountKey, ipKey, lockedUntil, type LoginThrottlePolicy } from '../domain/login-throttle.js';
import { LoginThrottledError } from '../domain/user.errors.js';
import { LoginFailureRepository } from './login-failure-repository.port.js';
import type { UserConfig } from '../user.config.js';

/** Who is signing in: the normalized email (known or not) and the client address, if any. */
export interface LoginAttempt {
  email: string;
  ip?: string | undefined;
}

/**
 * Progressive, self-expiring locks after repeated failed sign-ins, with the usual two counters:
 * consecutive failures of one account from one client address (`accountMaxFailures`, cleared by a
 * success there), and a larger count of failures from one address over every account
 * (`ipMaxFailures`, not cleared by a success, so that an attacker's own account cannot reset it).
 * There is deliberately no account-wide lock: failures from other addresses, however many, never
 * refuse the right password from the owner's address (a lock that anyone can trigger is a weapon).
 * The state lives in the module's database so every replica sees it and it survives restarts.
 */
@injectable()
export class LoginThrottle {
  private readonly account: LoginThrottlePolicy;
  private readonly ip: LoginThrottlePolicy;
  private readonly windowMs: number;

  constructor(
    @inject(TOKENS.ModuleConfig) config: UserConfig,
    @inject(TOKENS.UnitOfWork) private readonly uow: UnitOfWork,
    @inject(LoginFailureRepository) private readonly failures: LoginFailureRepository,
  ) {
    const { windowMs, accountMaxFailures, ipMaxFailures, lockBaseMs, lockMaxMs } = config.loginThrottle;
    this.windowMs = windowMs;
    this.account = { windowMs, maxFailures: accountMaxFailures, lockBaseMs, lockMaxMs };
    this.ip = { windowMs, maxFailures: ipMaxFailures, lockBaseMs, lockMaxMs };
  }

  /**
   * Records the attempt as a failure before the password is even checked, so that concurrent
   * guesses see each other (checking first and recording after the slow hash let a whole burst
   * through); a success or a refusal takes the record back. Returns the rows written.
   */
  async begin(attempt: LoginAttempt): Promise<string[]> {
    const now = new Date();
    return this.uow.run(async (tx) => {
      const ids = [this.failures.add(tx.em, accountKey(attempt.email, attempt.ip), now)];
      if (attempt.ip) ids.push(this.failures.add(tx.em, ipKey(attempt.ip), now));
      // Keep the table to what some window can still see (the longest lock is counted from a failure
      // inside the window, so nothing older matters).
      await this.failures.prune(tx.em, new Date(now.getTime() - this.windowMs));
      return ids;
    });
  }

  /** Throws a 429 (with Retry-After) while the account or the address is locked by earlier failures. */
  async assertAllowed(attempt: LoginAttempt, own: readonly string[]): Promise<void> {
    const now = new Date();
    const since = new Date(now.getTime() - this.windowMs);
    const em = this.uow.reader();
    let until = lockedUntil(await this.failures.failuresSince(em, accountKey(attempt.email, attempt.ip), since, own), this.account, now);
    if (attempt.ip) {
      const ipUntil = lockedUntil(await this.failures.failuresSince(em, ipKey(attempt.ip), since, own), this.ip, now);
      if (ipUntil && (!until || ipUntil > until)) until = ipUntil;
    }
    if (until) throw new LoginThrottledError((until.getTime() - now.getTime()) / 1000);
  }

  /** A refused attempt (locked) is not a failure of its own. */
  async forget(own: readonly string[]): Promise<void> {
    await this.uow.run(async (tx) => {
      await this.failures.remove(tx.em, own);
    });
  }

  /** A correct password clears the account's failures from this address; the address keeps its count. */
  async recordSuccess(attempt: LoginAttempt, own: readonly string[]): Promise<void> {
    await this.uow.run(async (tx) => {
      await this.failures.remove(tx.em, own);
      await this.failures.clear(tx.em, accountKey(attempt.email, attempt.ip));
    });
  }
}
