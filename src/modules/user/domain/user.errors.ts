import { ConflictError, HttpError, NotFoundError, UnauthorizedError } from '../../../kernel/http/http.errors.js';

export class EmailTakenError extends ConflictError {
  constructor() {
    super('An account with this email already exists.');
  }
}

/** Same answer for an unknown email and a wrong password, so accounts cannot be discovered. */
export class InvalidCredentialsError extends UnauthorizedError {
  constructor() {
    super('Invalid email or password.');
  }
}

export class UserNotFoundError extends NotFoundError {
  constructor() {
    super('The account no longer exists.');
  }
}

/**
 * RFC 6749 `invalid_grant` for a refresh token that is unknown, expired, revoked or reused. One
 * answer for all, as 401 like a wrong password.
 */
export class InvalidGrantError extends UnauthorizedError {
  constructor() {
    super('The refresh token is invalid, expired or revoked.');
  }
}

/**
 * Too many failed sign-ins for this account or from this address. The same answer whether the
 * account exists or not.
 */
export class LoginThrottledError extends HttpError {
  constructor(retryAfterSeconds: number) {
    super(429, 'Too Many Requests', 'Too many failed sign-in attempts. Try again later.', undefined, {
      'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))),
    });
  }
}
