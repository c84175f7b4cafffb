import type { DomainError, DomainErrorKind } from '../errors/domain.error.js';
import { ConflictError, HttpError, NotFoundError, UnauthorizedError, UnprocessableError } from '../errors/http.errors.js';

/** The one place domain errors get their HTTP status and problem type. */
const BY_KIND: Record<DomainErrorKind, (err: DomainError) => HttpError> = {
  'not-found': (err) => new NotFoundError(err.message),
  conflict: (err) => new ConflictError(err.message),
  unprocessable: (err) => new UnprocessableError(err.message, err.errors),
  unauthenticated: (err) => new UnauthorizedError(err.message),
  throttled: (err) =>
    new HttpError(429, 'Too Many Requests', err.message, err.errors, {
      'Retry-After': String(Math.max(1, Math.ceil(err.retryAfterSeconds ?? 1))),
    }),
};

export function httpErrorOf(err: DomainError): HttpError {
  return BY_KIND[err.kind](err);
}
