import { ConflictError, NotFoundError, UnauthorizedError } from '../../../kernel/http/http.errors.js';

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
