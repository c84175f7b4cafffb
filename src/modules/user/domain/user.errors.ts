import { DomainError } from '../../../kernel/errors/domain.error.js';

export class EmailTakenError extends DomainError {
  readonly code = 'user.email_taken';
  readonly kind = 'conflict';

  constructor() {
    super('An account with this email already exists.');
  }
}

/** Same answer for an unknown email and a wrong password, so accounts cannot be discovered. */
export class InvalidCredentialsError extends DomainError {
  readonly code = 'user.invalid_credentials';
  readonly kind = 'unauthenticated';

  constructor() {
    super('Invalid email or password.');
  }
}

export class UserNotFoundError extends DomainError {
  readonly code = 'user.not_found';
  readonly kind = 'not-found';

  constructor() {
    super('The account no longer exists.');
  }
}

/**
 * RFC 6749 `invalid_grant` for a refresh token that is unknown, expired, revoked or reused. One
 * answer for all, as 401 like a wrong password.
 */
export class InvalidGrantError extends DomainError {
  readonly code = 'user.invalid_grant';
  readonly kind = 'unauthenticated';

  constructor() {
    super('The refresh token is invalid, expired or revoked.');
  }
}

/**
 * Too many failed sign-ins for this account or from this address. The same answer whether the
 * account exists or not.
 */
export class LoginThrottledError extends DomainError {
  readonly code = 'user.login_throttled';
  readonly kind = 'throttled';

  constructor(retryAfterSeconds: number) {
    super('Too many failed sign-in attempts. Try again later.', { retryAfterSeconds });
  }
}
